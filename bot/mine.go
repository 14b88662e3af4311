package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// maxListed is how many bookings /my lists.
const maxListed = 20

// mine lists the client's own bookings (/my), each with buttons to cancel
// or reschedule it, and their waitlist entries. Every action on a booking
// loads it through Bookings.Own (own), so a client reaches only their own.
func (c *turn) mine() {
	list, err := c.bookings.Upcoming(c.ctx, c.client())
	if err != nil {
		c.fail("upcoming", err)
		return
	}
	series, err := c.seriesOf(list)
	if err != nil {
		c.fail("series", err)
		return
	}
	wlines, wkb, err := c.waitEntries()
	if err != nil {
		c.fail("waitlist", err)
		return
	}
	toPay, pkb, err := c.toPayLines()
	if err != nil {
		c.fail("to pay", err)
		return
	}
	wkb = append(pkb, wkb...)

	more := []Button{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.menu", nil), Data: cb(vMenu)}}
	waiting := toPay
	if len(wlines) > 0 {
		waiting += "\n\n" + strings.Join(wlines, "\n")
	}

	if len(list) == 0 {
		c.show(c.t("mine.none", nil)+waiting, append(wkb, more))
		return
	}
	lines, kb := c.bookingLines(list, series)
	kb = append(append(kb, wkb...), more)
	c.show(c.t("mine.title", nil)+"\n\n"+strings.Join(lines, "\n\n")+waiting, kb)
}

// bookingLines lists bookings (the first maxListed), numbered, each with
// buttons to reschedule and cancel it; the sessions of a series are one
// line, with a button that opens them (series_mine.go).
func (c *turn) bookingLines(list []tori.Appointment, series map[string]tori.Series) ([]string, [][]Button) {
	var lines []string
	var kb [][]Button
	all := entries(list, series)
	for i, e := range all {
		if i == maxListed {
			lines = append(lines, c.cat.N(c.lang, "mine.more", len(all)-maxListed, nil))
			break
		}
		if sr, ok := series[e[0].Series]; ok {
			line, row := c.seriesEntry(i+1, sr, e)
			lines, kb = append(lines, line), append(kb, row)
			continue
		}

		a := e[0]
		s, _ := c.practice.Service(a.ServiceID)
		lines = append(lines, fmt.Sprintf("%d. %s\n%s\n%s", i+1, c.serviceLine(s),
			c.t("with.therapist", map[string]any{"Therapist": c.therapistName(a.TherapistID)}), c.whenRange(c.lang, a.Start, a.End)))
		label := fmt.Sprintf("%d · %s", i+1, c.shortWhen(c.lang, a.Start))
		kb = append(kb, []Button{
			{Text: c.t("button.reschedule_n", map[string]any{"Label": label}), Data: cb(vReschedule, a.ID)},
			{Text: c.t("button.cancel_n", map[string]any{"Label": label}), Data: cb(vCancelAsk, a.ID)},
		})
	}
	return lines, kb
}

// own loads the client's booking, showing a plain message if it is not theirs or gone.
func (c *turn) own(id string) (tori.Appointment, bool) {
	a, err := c.bookings.Own(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("load booking", err, refusals{tori.ENOTFOUND: c.saying("booking.gone")})
		return tori.Appointment{}, false
	}
	return a, true
}

// describe writes "Talk session with Adi, Tuesday 1 December 2026,
// 10:00–10:50", and for a session of a series "(weekly, 5 of 12)".
func (c *turn) describe(a tori.Appointment) string {
	s, _ := c.practice.Service(a.ServiceID)
	line := c.t("booking.line", map[string]any{
		"Service":   iso(c.lang, s.Name(c.lang, c.practice.Language)),
		"Therapist": c.therapistName(a.TherapistID),
		"When":      c.whenRange(c.lang, a.Start, a.End),
	})
	return line + c.marked(a)
}

func (c *turn) cancelAsk(id string) {
	if _, ok := c.own(id); !ok {
		return
	}
	a, terms, err := c.bookings.QuoteCancel(c.ctx, c.client(), id)
	if err != nil {
		c.cancelFailed(err)
		return
	}
	c.showCancelAsk(a, terms, "")
}

// showCancelAsk asks before cancelling a on terms; a session of a series
// with later ones offers to cancel them too (series_mine.go).
func (c *turn) showCancelAsk(a tori.Appointment, terms tori.CancelTerms, changed string) {
	yes := Button{Text: c.t("button.cancel_yes", nil), Data: cb(vCancelDo, a.ID, strconv.Itoa(terms.Tier.Percent))}
	no := Button{Text: c.t("button.cancel_no", nil), Data: cb(vMine)}
	kb := [][]Button{{yes, no}}
	if a.Series != "" && c.laterInSeries(a) {
		yes.Text = c.t("button.cancel_this", nil)
		kb = [][]Button{{yes}, {{Text: c.t("button.cancel_rest", nil), Data: cb(vCancelRest, a.ID)}}, {no}}
	}
	c.show(changed+c.t("cancel.ask", map[string]any{
		"Booking": c.describe(a),
		"Terms":   c.cancelTerms(a, terms),
	}), kb)
}

// cancelTerms says what cancelling now gives under the policy, with the
// notice given: for prepaid bookings exactly what comes back, for
// pay-at-session what the policy charges.
func (c *turn) cancelTerms(a tori.Appointment, t tori.CancelTerms) string {
	return c.termsText("cancel.terms.", a, t)
}

// termsText writes cancellation terms with the messages under prefix
// ("cancel.terms." when cancelling, "reminder.terms." in a reminder).
func (c *turn) termsText(prefix string, a tori.Appointment, t tori.CancelTerms) string {
	data := map[string]any{"Notice": c.notice(c.lang, t.Notice), "Percent": t.Tier.Percent}

	// Paid at the session: what the policy charges.
	if a.Paid.Amount == 0 {
		data["Charge"] = 100 - t.Tier.Percent
		data["Amount"] = c.price(c.lang, a.Price.Percent(100-t.Tier.Percent))
		switch t.Tier.Percent {
		case 100:
			return c.t(prefix+"none.full", data)
		case 0:
			return c.t(prefix+"none.none", data)
		}
		return c.t(prefix+"none.partial", data)
	}

	// Prepaid: what comes back.
	data["Refund"] = c.price(c.lang, t.Refund)
	data["Paid"] = c.price(c.lang, a.Paid)
	switch {
	case t.Forgiven:
		return c.t(prefix+"paid.forgiven", data)
	case t.Refund == a.Paid:
		return c.t(prefix+"paid.full", data)
	case t.Refund.Amount == 0:
		return c.t(prefix+"paid.none", data)
	}
	return c.t(prefix+"paid.partial", data)
}

// cancelFailed says why a booking could not be cancelled.
func (c *turn) cancelFailed(err error) {
	c.refuse("cancel", err, refusals{
		tori.ENOTFOUND: c.saying("booking.gone"),
		tori.ECONFLICT: func() { c.show(c.t("cancel.too_late", c.withContact(nil)), c.menuKeyboard()) },
	})
}

// cancelDo cancels a booking on the terms the client was quoted (the
// refund's percent), and tells the therapist.
func (c *turn) cancelDo(id string, quoted int) {
	if _, ok := c.own(id); !ok {
		return
	}

	a, terms, fresh, err := c.bookings.Cancel(c.ctx, c.client(), id, quoted)
	if tori.ErrorCode(err) == tori.EEXPIRED { // a tier boundary passed since the quote
		c.showCancelAsk(a, terms, c.t("cancel.terms_changed", nil)+"\n\n")
		return
	}
	if tori.ErrorCode(err) == tori.ECONFLICT {
		// "Yes, cancel it" pressed twice (a double tap, or a tap on an old
		// message): the cancellation stands, and it is what the message shows.
		again, ok := c.own(id)
		if !ok {
			return
		}
		if again.Status == tori.StatusCancelledByClient {
			a, err = again, nil
		}
	}
	if err != nil {
		c.cancelFailed(err)
		return
	}

	data := map[string]any{
		"Booking":   c.describe(a),
		"Therapist": c.therapistName(a.TherapistID),
		"Refund":    c.refundLine(c.lang, a),
	}
	c.show(c.t("cancelled", data), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})

	// The therapist and the calendar are told once, by the press that cancelled it.
	if fresh {
		c.notify(a, "notify.cancelled", map[string]any{"Terms": terms})
		c.icsDocument(a, true)
	}
}

// refundLine says where a cancelled booking's refund stands, or "".
func (b *Bot) refundLine(lang string, a tori.Appointment) string {
	data := map[string]any{"Refund": b.price(lang, a.RefundDue)}
	switch a.RefundState {
	case tori.RefundRefunded:
		data["Refund"] = b.price(lang, a.Refunded)
		return b.cat.T(lang, "refund.done", data)
	case tori.RefundPending:
		return b.cat.T(lang, "refund.pending", data)
	}
	if a.Paid.Amount > 0 {
		return b.cat.T(lang, "refund.nothing", map[string]any{"Paid": b.price(lang, a.Paid)})
	}
	return ""
}

// rescheduleCalendar is the calendar for moving booking a.
func (c *turn) rescheduleCalendar(a tori.Appointment) (calendar, bool) {
	k, ok := c.lookup(a.ServiceID, a.TherapistID)
	if !ok {
		return calendar{}, false
	}
	k.appt = a
	k.title = c.t("reschedule.title", map[string]any{"Booking": c.describe(a)})
	return k, true
}

// movable loads booking id and checks that it may still be moved, saying why not.
func (c *turn) movable(id string) (calendar, bool) {
	a, ok := c.own(id)
	if !ok {
		return calendar{}, false
	}
	if _, err := c.bookings.CheckReschedule(c.ctx, c.client(), id); err != nil {
		c.cannotMove(a, err)
		return calendar{}, false
	}
	return c.rescheduleCalendar(a)
}

// cannotMove says why booking a cannot be moved (EGONE, ETOOLATE) and what
// can be done instead.
func (c *turn) cannotMove(a tori.Appointment, err error) {
	c.refuse("check reschedule", err, refusals{
		tori.ETOOLATE: func() {
			c.show(c.t("reschedule.too_late", c.withContact(map[string]any{"Notice": c.hours(c.lang, c.practice.Policy.RescheduleMinNotice)})), [][]Button{
				{{Text: c.t("button.cancel_n", map[string]any{"Label": c.shortWhen(c.lang, a.Start)}), Data: cb(vCancelAsk, a.ID)}},
				{{Text: c.t("button.mine", nil), Data: cb(vMine)}},
			})
		},
		tori.EGONE: func() {
			c.show(c.t("reschedule.not_possible", nil), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
		},
	})
}

func (c *turn) rescheduleWeek(id string, day tori.Date) {
	if k, ok := c.movable(id); ok {
		c.showWeek(k, day)
	}
}

func (c *turn) rescheduleDay(id string, day tori.Date) {
	if k, ok := c.movable(id); ok {
		c.showDay(k, day)
	}
}

// rescheduleHold holds the new time; the booking moves when it is confirmed.
func (c *turn) rescheduleHold(id string, at time.Time) {
	k, ok := c.movable(id)
	if !ok {
		return
	}
	c.releaseCurrent()
	h, err := c.bookings.HoldMove(c.ctx, c.client(), id, at, c.in.MessageID)
	if !c.holdFailed(k, at, err) {
		c.saveState(c.ctx, c.in.User.ChatID, state{Hold: h.ID})
		c.summary(h, k.appt)
	}
}

// attend records the client's "I'll be there" (the therapist's agenda
// shows it) and thanks them.
func (c *turn) attend(id string) {
	a, err := c.bookings.Attend(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("attend", err, refusals{
			tori.ENOTFOUND: c.saying("booking.gone"),
			tori.ECONFLICT: c.saying("reschedule.not_possible"),
		})
		return
	}
	c.res.Notice = c.t("attend.notice", nil)
	c.show(c.t("attend.thanks", map[string]any{"When": c.whenRange(c.lang, a.Start, a.End), "Where": c.where(a, true)}),
		[][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
}
