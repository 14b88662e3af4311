package bot

import "github.com/tori-bot/tori"

// tellMismatch tells the client that PayPal took another amount or
// currency than was due (tori.PaidMismatch): nothing is booked, what was
// taken goes back in full, and what to do: pay again on the time still
// held for them (by the hold that took the time over), or, when it is held
// no longer, choose a time again. The explanation takes the place of the pay
// message; the way to pay again comes as a message of its own, below it,
// so that paying (its button turns it into the pay message, and then into
// the confirmation) leaves the explanation in the chat. The therapist is
// told both amounts.
func (c *turn) tellMismatch(a tori.Appointment) {
	next, held := c.successorOf(a)
	data := c.mismatchData(a)
	data["Refunded"] = a.RefundState == tori.RefundRefunded

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
	c.show(c.t("pay.mismatch_held", data), nil)
	c.send(c.payAgainText(next), [][]Button{
		{{Text: c.t("button.pay", map[string]any{"Due": next.Due.Format(c.lang)}), Data: cb(vConfirm, next.ID)}},
		{{Text: c.t("button.cancel", nil), Data: cb(vAbandon, next.ID)}},
	})
}

// tellMismatchPending tells the client that PayPal is taking another
// amount or currency than is due and has not completed it: nothing is
// booked, the time is let go (with the nearest free times to choose
// again), and what PayPal takes, if it completes, comes back in full by
// itself.
func (c *turn) tellMismatchPending(a tori.Appointment) {
	c.offerAgain(a, c.t("pay.mismatch_pending", c.mismatchData(a)))
}

func (c *turn) mismatchData(a tori.Appointment) map[string]any {
	return map[string]any{
		"Paid":    c.price(c.lang, a.Paid),
		"Due":     c.price(c.lang, a.Due),
		"Deposit": a.Payment == tori.PayDeposit,
		"When":    c.whenRange(c.lang, a.Start, a.End),
	}
}

// payAgainText is the message to pay a mismatched hold's successor with:
// what the session is, until when it is held and what is due.
func (c *turn) payAgainText(h tori.Appointment) string { return c.t("pay.again", c.payData(h)) }

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
