package bot

import "github.com/tori-bot/tori"

// What the client and the therapist are told when PayPal took another
// amount or currency than was due (tori.PaidMismatch): nothing is booked,
// what was taken goes back in full, and the client can pay again, on the
// hold that took the time over, while it lasts.

// tellMismatch tells the client what happened, what is given back and what
// to do: pay again on the time still held for them (the button makes a new
// order), or, when it is held no longer, choose a time again. The
// therapist is told both amounts.
func (c *turn) tellMismatch(a tori.Appointment) {
	next, held := c.successorOf(a)
	data := map[string]any{
		"Paid":     c.price(c.lang, a.Paid),
		"Due":      c.price(c.lang, a.Due),
		"Deposit":  a.Payment == tori.PayDeposit,
		"When":     c.whenRange(c.lang, a.Start, a.End),
		"Refunded": a.RefundState == tori.RefundRefunded,
	}
	notice := map[string]any{"Due": a.Due}
	if held {
		notice["Until"] = next.HoldUntil
	}
	c.notify(a, "notify.mismatch", notice)
	if !held {
		c.offerAgain(a, c.t("pay.mismatch_released", data))
		return
	}
	data["Until"] = c.until(c.lang, next.HoldUntil, c.now)
	c.show(c.t("pay.mismatch_held", data), [][]Button{
		{{Text: c.t("button.pay", map[string]any{"Due": next.Due.Format(c.lang)}), Data: cb(vConfirm, next.ID)}},
		{{Text: c.t("button.cancel", nil), Data: cb(vAbandon, next.ID)}},
	})
}

// successorOf returns the hold that took over the time of a's mismatched
// capture, and whether it still holds it.
func (c *turn) successorOf(a tori.Appointment) (tori.Appointment, bool) {
	if a.Successor == "" {
		return tori.Appointment{}, false
	}
	next, err := c.bookings.Store.Appointment(c.ctx, a.Successor)
	if err != nil {
		if tori.ErrorCode(err) != tori.ENOTFOUND {
			c.log.Warn("successor of a mismatched payment", "appointment", a.ID, "err", err)
		}
		return tori.Appointment{}, false
	}
	return next, next.Status == tori.StatusHeld && c.now.Before(next.HoldUntil)
}

// mismatchPage is the return page of a mismatched capture: what happened,
// and that what to do next is waiting in Telegram (the time still held,
// with a pay button, or other times to choose from).
func (b *Bot) mismatchPage(lang string, a tori.Appointment, facts map[string]any) page {
	p := b.newPage(lang, "↩️", "page.mismatch.title")
	facts["Refunded"] = a.RefundState == tori.RefundRefunded
	p.Lines = []string{b.pageText(lang, "page.mismatch.body", facts)}
	return p
}
