package bot

import (
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// cancelRestAsk shows what cancelling booking id and every later session
// of its series gives now, in all, and asks ("Cancel this and all later
// ones"; each is then cancelled once by tori.Bookings.CancelSeriesFrom).
func (c *turn) cancelRestAsk(id string) {
	q, err := c.bookings.QuoteCancelSeriesFrom(c.ctx, c.client(), id)
	if err != nil {
		c.refuse("quote series cancel", err, refusals{
			tori.ENOTFOUND: c.saying("booking.gone"),
			tori.ECONFLICT: func() { c.show(c.t("cancel.too_late", c.withContact(nil)), c.menuKeyboard()) },
			tori.EINVALID:  func() { c.cancelAsk(id) },
		})
		return
	}
	c.showCancelRest(q, "")
}

// showCancelRest asks to cancel the sessions of q, saying what the
// policy gives for each in all; changed, if any, comes first.
func (c *turn) showCancelRest(q tori.SeriesCancelQuote, changed string) {
	a := q.Sessions[0]
	s, _ := c.practice.Service(a.ServiceID)
	c.show(changed+c.cat.N(c.lang, "series.cancel_ask", len(q.Sessions), map[string]any{
		"Service":   iso(c.lang, s.Name(c.lang, c.practice.Language)),
		"Therapist": c.therapistName(a.TherapistID),
		"Dates":     c.dateLines(c.lang, q.Sessions),
		"Terms":     c.restTerms(q),
	}), [][]Button{
		{{Text: c.cat.N(c.lang, "button.series_cancel_yes", len(q.Sessions), nil), Data: cb(vCancelRestDo, a.ID, q.Stamp())}},
		{{Text: c.t("button.series_cancel_no", nil), Data: cb(vSeriesOpen, a.Series)}},
	})
}

// restTerms says what cancelling the sessions of q gives under the
// policy: free, or what it costs in all and for which (paid at the
// session); what comes back of what was paid in advance.
func (c *turn) restTerms(q tori.SeriesCancelQuote) string {
	var parts []string
	if charge := q.Charge(); charge.Amount > 0 {
		var lines []string
		for i, a := range q.Sessions {
			if m := q.ChargeOf(i); m.Amount > 0 {
				lines = append(lines, c.t("series.cancel_charge_line", map[string]any{
					"Day":     c.shortDay(c.lang, tori.DateOf(c.local(a.Start))),
					"Notice":  c.notice(c.lang, q.Terms[i].Notice),
					"Percent": 100 - q.Terms[i].Tier.Percent,
					"Amount":  c.price(c.lang, m),
				}))
			}
		}
		parts = append(parts, c.t("series.cancel_terms.charge", map[string]any{"Charge": c.price(c.lang, charge), "Lines": strings.Join(lines, "\n")}))
	} else if q.Paid().Amount == 0 {
		parts = append(parts, c.t("series.cancel_terms.free", nil))
	}

	if paid := q.Paid(); paid.Amount > 0 {
		parts = append(parts, c.t("series.cancel_terms.refund", map[string]any{"Refund": c.price(c.lang, q.Refund()), "Paid": c.price(c.lang, paid)}))
	}
	return strings.Join(parts, "\n")
}

// cancelRestDo cancels booking id and the later sessions of its series on
// the terms shown (stamp): each once, through the single cancellation's
// use case. The therapist is told once, listing them, and the calendar
// file takes them all off; a second press tells nobody again.
func (c *turn) cancelRestDo(id, stamp string) {
	done, q, err := c.bookings.CancelSeriesFrom(c.ctx, c.client(), id, stamp)
	switch code := tori.ErrorCode(err); {
	case err == nil:
	case code == tori.EEXPIRED && len(done) == 0 && len(q.Sessions) > 0:
		c.showCancelRest(q, c.t("cancel.terms_changed", nil)+"\n\n")
		return
	case code == tori.ECONFLICT && len(done) == 0:
		if before, berr := c.bookings.SeriesCancelledBefore(c.ctx, c.client(), id); berr == nil && before {
			c.show(c.t("series.cancelled_before", nil), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
			return
		}
		c.cancelFailed(err)
		return
	case len(done) == 0:
		c.cancelFailed(err)
		return
	default: // some were cancelled before one could not be on its terms
		c.log.Warn("a series cancelled in part", "user", c.in.User.ID, "cancelled", len(done), "err", err)
	}

	c.restCancelled(done, err != nil)
}

// restCancelled shows the sessions done cancelled, and tells the
// therapist and the calendar of those this press cancelled. partial says
// that some later ones were not.
func (c *turn) restCancelled(done []tori.SeriesCancelled, partial bool) {
	as, fresh := cancelledSessions(done)
	data := c.cancelledData(c.lang, as)
	data["Partial"] = partial
	c.show(c.cat.N(c.lang, "series.cancelled", len(as), data), [][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})

	if len(fresh) > 0 {
		c.tellRestCancelled(done, fresh)
		c.icsSeries(fresh, true)
	}
}

// tellRestCancelled tells the therapist once of the sessions fresh (of
// done) the client cancelled, with the late ones' terms.
func (c *turn) tellRestCancelled(done []tori.SeriesCancelled, fresh []tori.Appointment) {
	sr, err := c.bookings.Series(c.ctx, fresh[0].Series)
	if err != nil { // told without the rhythm
		c.logFailure("load series", err, "user", c.in.User.ID)
		sr = tori.Series{Rule: tori.SeriesRule{ServiceID: fresh[0].ServiceID}}
	}

	c.notifySeries(sr, fresh, "notify.series_cancelled", func(lang string, data map[string]any) {
		var late []string
		for _, d := range done {
			if d.Fresh && d.Terms.Late {
				late = append(late, c.cat.T(lang, "notify.series_late", map[string]any{
					"Day":      c.shortDay(lang, tori.DateOf(c.local(d.Appointment.Start))),
					"Notice":   c.notice(lang, d.Terms.Notice),
					"Percent":  strconv.Itoa(d.Terms.Tier.Percent),
					"Forgiven": d.Terms.Forgiven,
				}))
			}
		}
		data["Late"] = strings.Join(late, "\n")
	})
}

// cancelledSessions are the sessions of done, and those of them this
// call cancelled (fresh).
func cancelledSessions(done []tori.SeriesCancelled) (as, fresh []tori.Appointment) {
	for _, d := range done {
		as = append(as, d.Appointment)
		if d.Fresh {
			fresh = append(fresh, d.Appointment)
		}
	}
	return as, fresh
}

// cancelledData is what a message of the cancelled sessions as says, in
// lang: the service, the therapist, the dates, and what comes back in all
// (refunded, or on its way).
func (c *turn) cancelledData(lang string, as []tori.Appointment) map[string]any {
	var refund tori.Money
	pending := false
	for _, a := range as {
		if a.RefundDue.Amount > 0 {
			refund = tori.Money{Amount: refund.Amount + a.RefundDue.Amount, Currency: a.RefundDue.Currency}
			pending = pending || a.RefundState == tori.RefundPending
		}
	}

	s, _ := c.practice.Service(as[0].ServiceID)
	data := map[string]any{
		"Service":   iso(lang, s.Name(lang, c.practice.Language)),
		"Therapist": c.therapistName(as[0].TherapistID),
		"Dates":     c.dateLines(lang, as),
	}
	if refund.Amount > 0 {
		id := "refund.done"
		if pending {
			id = "refund.pending"
		}
		data["Refund"] = c.cat.T(lang, id, map[string]any{"Refund": c.price(lang, refund)})
	}
	return data
}
