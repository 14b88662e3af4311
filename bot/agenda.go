package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// sessionLine writes one appointment for the practice: time, client,
// service (and which of its series it is), payment, whether they
// confirmed, and a note marker.
func (c *turn) sessionLine(a tori.Appointment) string {
	state := c.t("agenda.not_confirmed", nil)
	switch {
	case a.Status == tori.StatusCompleted:
		state = c.t("agenda.completed", nil)
	case a.Status == tori.StatusNoShow:
		state = c.t("agenda.no_show", nil)
	case a.Attending:
		state = c.t("agenda.confirmed", nil)
	}

	line := c.sessionHead(a, state)
	switch {
	case a.NoteLocked:
		line += "\n📝 <i>" + c.t("admin.note_locked", nil) + "</i>"
	case a.Note != "":
		line += "\n📝 " + iso(c.lang, a.Note)
	}
	return line
}

// sessionHead is what the agenda and the daily agenda message say of a
// session: time, client, service marked with its series, payment, state
// and where.
func (c *turn) sessionHead(a tori.Appointment, state string) string {
	s, _ := c.practice.Service(a.ServiceID)
	return fmt.Sprintf("<b>%s</b> %s\n%s%s · %s\n%s · %s",
		c.timeRange(c.lang, a.Start, a.End), clientRef(c.lang, a.Client),
		iso(c.lang, s.Name(c.lang, c.practice.Language)), c.marked(a), c.payLine(c.lang, a), state, c.whereShort(c.lang, a))
}

// payLine says what of a session is paid: all, a deposit (and the rest to
// pay), or nothing yet.
func (b *Bot) payLine(lang string, a tori.Appointment) string {
	paid := map[string]any{"Paid": b.price(lang, a.Paid)}
	switch {
	case a.PayState.Mismatched():
		paid["Due"] = b.price(lang, a.Due) // not a payment of it: given back
		return b.cat.T(lang, "agenda.mismatch", paid)
	case a.Paid.Amount == 0:
		return b.cat.T(lang, "agenda.to_pay", map[string]any{"Price": b.price(lang, a.Price)})
	}
	if rest, ok := a.Price.Sub(a.Paid); ok && rest.Amount > 0 {
		paid["Rest"] = b.price(lang, rest)
		return b.cat.T(lang, "agenda.deposit", paid)
	}
	return b.cat.T(lang, "agenda.paid", paid)
}

// adminDay lists one day's sessions of the sender's therapists, each
// tappable, with the days before and after.
func (c *turn) adminDay(day tori.Date) {
	as, err := c.bookings.Day(c.ctx, c.managedIDs(), day)
	if err != nil {
		c.fail("day", err)
		return
	}

	var lines []string
	var kb [][]Button
	for _, a := range as {
		lines = append(lines, c.sessionLine(a))
		kb = append(kb, []Button{{Text: c.local(a.Start).Format("15:04") + " · " + a.Client.Name, Data: cb(vAdminOpen, a.ID)}})
	}

	// A very full day: the text shows what fits one message; every session
	// still has its button.
	if parts := chunk(lines, 3500); len(parts) > 1 {
		lines = append(parts[0], c.cat.N(c.lang, "admin.more", len(lines)-len(parts[0]), nil))
	}
	text := c.cat.N(c.lang, "admin.day", len(as), map[string]any{
		"Date": c.longDate(c.lang, day.At(12*60, c.practice.Location)), "Sessions": strings.Join(lines, "\n\n"),
	})
	kb = append(kb, []Button{
		{Text: c.t("button.prev_day", nil), Data: cb(vAdminDay, dayArg(day.AddDays(-1)))},
		{Text: c.t("button.next_day", nil), Data: cb(vAdminDay, dayArg(day.AddDays(1)))},
	})
	c.show(text, kb)
}

// adminWeek shows the next seven days: how many sessions each, tappable.
func (c *turn) adminWeek(from tori.Date) {
	var lines []string
	var kb [][]Button
	for i := range 7 {
		d := from.AddDays(i)
		as, err := c.bookings.Day(c.ctx, c.managedIDs(), d)
		if err != nil {
			c.fail("week", err)
			return
		}
		label := c.shortDay(c.lang, d)
		line := c.cat.N(c.lang, "admin.week_day", len(as), map[string]any{"Day": label})
		if cl, ok := c.closure(d, c.managed()); ok {
			line += " · " + c.closureNote(cl)
		}
		lines = append(lines, line)
		if len(as) > 0 {
			kb = append(kb, []Button{{Text: label + " · " + strconv.Itoa(len(as)), Data: cb(vAdminDay, dayArg(d))}})
		}
	}
	c.show(c.t("admin.week", map[string]any{"Days": strings.Join(lines, "\n")}), kb)
}

// adminOpen shows one appointment with what the practice can do with it.
func (c *turn) adminOpen(a tori.Appointment) {
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{
		"Session": c.sessionLine(a),
		"When":    c.whenRange(c.lang, a.Start, a.End),
		"Service": iso(c.lang, s.Name(c.lang, c.practice.Language)),
		"Status":  c.t("status."+string(a.Status), nil),
		"Lang":    c.t("lang."+a.Client.Lang, nil),
	}
	if a.RefundState != tori.RefundNone {
		data["Refund"] = c.refundLine(c.lang, a)
	}

	// What can be done: cancel before it starts, mark how it went after.
	var kb [][]Button
	switch {
	case a.Status == tori.StatusConfirmed && c.now.Before(a.Start):
		kb = append(kb, []Button{{Text: c.t("button.admin_cancel", nil), Data: cb(vAdminCancel, a.ID)}})
		if a.Series != "" {
			kb = append(kb, []Button{{Text: c.t("button.admin_cancel_rest", nil), Data: cb(vAdminCancelRest, a.ID)}})
		}
	case a.Status == tori.StatusConfirmed:
		kb = append(kb, []Button{
			{Text: c.t("button.admin_done", nil), Data: cb(vAdminDone, a.ID)},
			{Text: c.t("button.admin_no_show", nil), Data: cb(vAdminNoShow, a.ID)},
		})
	}
	if a.Client.ID != 0 && a.Status != tori.StatusHeld && a.Status != tori.StatusExpired {
		kb = append(kb, []Button{{Text: c.t("button.for_next", nil), Data: cb(vForNext, a.ID)}}) // practice_book.go
	}
	kb = append(kb, []Button{
		{Text: c.t("button.admin_note", nil), Data: cb(vAdminNote, a.ID)},
		{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(a.Client.ID, 10))},
	}, []Button{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(a.Start))))}})
	c.show(c.t("admin.appointment", data), kb)
}

// adminCancelAsk asks before cancelling a session as the practice.
func (c *turn) adminCancelAsk(a tori.Appointment) {
	data := map[string]any{"Session": c.sessionLine(a)}
	if a.Paid.Amount > 0 {
		data["Paid"] = c.price(c.lang, a.Paid)
	}
	c.show(c.t("admin.cancel_ask", data), [][]Button{
		{{Text: c.t("button.admin_cancel_yes", nil), Data: cb(vAdminCancelDo, a.ID)}},
		{{Text: c.t("button.cancel_no", nil), Data: cb(vAdminOpen, a.ID)}},
	})
}

// adminMark marks an appointment no-show or completed.
func (c *turn) adminMark(a tori.Appointment, mark func(context.Context, string) (tori.Appointment, error), done string) {
	got, err := mark(c.ctx, a.ID)
	if err != nil {
		c.refuse("mark", err, refusals{tori.ECONFLICT: func() { c.notNow(a.ID) }})
		return
	}
	c.res.Notice = c.t(done, nil)
	c.adminOpen(got)
}

// notNow says why an action on an appointment was refused, from its state
// as it is now (it may have changed since the view was shown).
func (c *turn) notNow(id string) {
	a, err := c.bookings.Store.Appointment(c.ctx, id)
	if err != nil {
		c.fail("load appointment", err)
		return
	}
	text := c.t("admin.not_now", map[string]any{"Status": c.t("status."+string(a.Status), nil)})
	if a.Status == tori.StatusConfirmed && !c.now.Before(a.Start) {
		text = c.t("admin.started", nil)
	}
	c.show(text, [][]Button{{{Text: c.t("button.admin_back_session", nil), Data: cb(vAdminOpen, a.ID)}}})
}

// practiceCancel cancels as the practice: a full refund, an apology to the
// client in their language with the nearest times to rebook, and a word
// back to the practice.
func (c *turn) practiceCancel(a tori.Appointment) {
	got, fresh, err := c.bookings.CancelByPractice(c.ctx, a.ID)
	if err != nil {
		c.refuse("cancel as practice", err, refusals{tori.ECONFLICT: func() { c.notNow(a.ID) }})
		return
	}

	// The client is told once, by whoever cancelled it first.
	if fresh {
		c.res.Replies = append(c.res.Replies, c.PracticeCancelled(c.ctx, got)...)
	}
	text := c.t("admin.cancelled", map[string]any{"Session": c.sessionLine(got), "Refund": c.refundLine(c.lang, got)})
	c.show(text+c.untold(got),
		[][]Button{{{Text: c.t("button.admin_back_day", nil), Data: cb(vAdminDay, dayArg(tori.DateOf(c.local(got.Start))))}}})
}
