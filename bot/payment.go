package bot

import (
	"context"

	"github.com/tori-bot/tori"
)

// turnFor is a turn for a's client with no update: replies go to their
// chat, in the pay message's place.
func (b *Bot) turnFor(ctx context.Context, a tori.Appointment) *turn {
	return &turn{Bot: b, ctx: ctx, in: Input{User: a.Client, MessageID: a.Message}, lang: b.LangOf(a), now: b.now()}
}

// startPayment creates the PayPal order of a paid hold and shows the pay
// button; the booking is confirmed when the payment is captured
// (PaymentReplies tells it). The message with the button is the one later
// edited into the confirmation.
func (c *turn) startPayment(h tori.Appointment) { c.startPaymentWith(h, "") }

// startPaymentWith is startPayment with note added to the pay message.
func (c *turn) startPaymentWith(h tori.Appointment, note string) {
	a, err := c.bookings.StartPaymentOf(c.ctx, c.client(), h, c.in.MessageID)
	if err != nil {
		unreachable := func() { c.payUnreachable(h, err) }
		c.refuse("start payment", err, refusals{
			tori.ECONFLICT:    func() { c.takenMeanwhile(h, tori.Appointment{}) },
			tori.EEXPIRED:     c.saying("hold.gone"),
			tori.ENOTFOUND:    c.saying("hold.gone"),
			tori.ELIMIT:       func() { c.holdLimited(err) },
			tori.EUNAVAILABLE: unreachable,
			tori.EDECLINED:    unreachable,
		})
		return
	}
	if a.Status == tori.StatusConfirmed {
		c.showBooked(a)
		return
	}
	c.show(c.payText(a)+note, c.payKeyboard(a))
}

// payUnreachable says PayPal could not be asked for an order (err) and
// offers to try again while the time is held.
func (c *turn) payUnreachable(h tori.Appointment, err error) {
	c.log.Warn("create order", "user", c.in.User.ID, "hold", h.ID, "err", err)
	c.show(c.t("pay.unreachable", map[string]any{"Until": c.until(c.lang, h.HoldUntil, c.now)}), [][]Button{
		{{Text: c.t("button.try_again", nil), Data: cb(vConfirm, h.ID)}},
		{{Text: c.t("button.cancel", nil), Data: cb(vAbandon, h.ID)}},
	})
}

// payText asks to pay for a hold.
func (c *turn) payText(a tori.Appointment) string { return c.t("pay.ask", c.payData(a)) }

// payData is what the messages asking to pay a hold say of it.
func (c *turn) payData(a tori.Appointment) map[string]any {
	data := c.holdData(a)
	data["Due"] = c.price(c.lang, a.Due)
	return data
}

// payKeyboard is the pay button (to PayPal) and one to let the time go.
func (c *turn) payKeyboard(a tori.Appointment) [][]Button {
	return [][]Button{
		{{Text: c.t("button.pay", map[string]any{"Due": a.Due.Format(c.lang)}), URL: a.ApproveURL}},
		{{Text: c.t("button.cancel", nil), Data: cb(vAbandon, a.ID)}},
	}
}

// PaymentReplies are the messages a payment result calls for, to the
// client and the therapist: nothing for a result someone was already told
// of. Like the other replies below, they are made outside of any
// Telegram update: from the PayPal return page, a webhook, or the worker's
// reconciliation.
func (b *Bot) PaymentReplies(ctx context.Context, r tori.PaymentResult) []Reply {
	if !r.Fresh {
		return nil
	}

	a := r.Appointment
	c := b.turnFor(ctx, a)
	switch r.Outcome {
	case tori.PaidNow:
		c.notify(a, "notify.booked", nil)
		c.showBooked(a)
		c.icsDocument(a, false)
		c.saveState(ctx, a.Client.ChatID, state{})
	case tori.PaidTimeLost:
		c.notify(a, "notify.time_lost", nil)
		c.offerAgain(a, c.t("pay.time_lost", map[string]any{
			"When": c.whenRange(c.lang, a.Start, a.End), "Paid": c.price(c.lang, a.Paid), "Refund": c.refundLine(c.lang, a),
		}))
	case tori.PayTaken:
		c.offerAgain(a, c.t("pay.taken", map[string]any{"When": c.whenRange(c.lang, a.Start, a.End)}))
	case tori.PayDeclined:
		c.show(c.t("pay.declined", map[string]any{"Until": c.until(c.lang, a.HoldUntil, c.now)}), c.payKeyboard(a))
	case tori.PayPending:
		c.show(c.t("pay.pending", map[string]any{"Due": c.price(c.lang, a.Due)}), [][]Button{{{Text: c.t("button.mine", nil), Data: cb(vMine)}}})
	case tori.PayDenied:
		c.offerAgain(a, c.t("pay.denied", map[string]any{"When": c.whenRange(c.lang, a.Start, a.End)}))
	case tori.PaidMismatch:
		c.tellMismatch(a)
	case tori.PayMismatchPending:
		c.tellMismatchPending(a)
	}
	return c.res.Replies
}

// RefundDoneReplies tell the client and the therapist that a refund that
// was pending has gone through.
func (b *Bot) RefundDoneReplies(ctx context.Context, a tori.Appointment) []Reply {
	c := b.turnFor(ctx, a)
	c.in.MessageID = 0
	c.send(c.t("refund.arrived", map[string]any{"Booking": c.describe(a), "Refund": c.price(c.lang, a.Refunded)}), nil)
	c.notify(a, "notify.refund_done", nil)
	return c.res.Replies
}

// RefundShortReplies tell the therapist that less than the refund due
// came back at PayPal (a refund made there by hand), what is still owed,
// and that it is theirs to refund by hand: tori no longer asks PayPal,
// which would refuse more than is left of the payment.
func (b *Bot) RefundShortReplies(ctx context.Context, a tori.Appointment) []Reply {
	c := b.turnFor(ctx, a)
	extra := map[string]any{"Capture": a.CaptureID, "Back": a.Refunded}
	if owed, ok := a.RefundDue.Sub(a.Refunded); ok {
		extra["Owed"] = owed
	}
	c.notify(a, "notify.refund_short", extra)
	return c.res.Replies
}

// offerAgain says why a paid hold ended unbooked and offers the nearest
// free times for the same service and therapist.
func (c *turn) offerAgain(a tori.Appointment, text string) {
	k, ok := c.lookup(a.ServiceID, a.TherapistID)
	if !ok {
		c.res.Replies = nil
		c.show(text, c.menuKeyboard())
		return
	}
	c.offerNearest(k, a.Start, text)
}

// PracticeCancelled is what a client is told when the practice cancels
// their booking (tori.Bookings.CancelByPractice): an apology, the full
// refund, and the nearest free times to rebook at once.
func (b *Bot) PracticeCancelled(ctx context.Context, a tori.Appointment) []Reply {
	c := b.turnFor(ctx, a)
	c.in.MessageID = 0 // a new message: the client should see it
	text := c.t("practice_cancelled", map[string]any{
		"Booking":   c.describe(a),
		"Therapist": c.therapistName(a.TherapistID),
		"Refund":    c.refundLine(c.lang, a),
	})
	c.offerAgain(a, text)
	c.icsDocument(a, true)
	return c.res.Replies
}

// TellSettled tells of a settled payment whose telling this caller holds
// (r.Fresh): the client's messages first, each of which must go out (a chat
// that cannot be written to, or a message Telegram refuses as malformed,
// counts as done: sending it again would not help); if one does not, nothing
// more is sent and the claim is given back, for the next return, webhook or
// reconciliation to tell it all. Then the telling is recorded (PaymentTold),
// with the therapist's notices queued for the worker beside it, and the
// notices are sent: one that does not go out is left to the worker.
func (b *Bot) TellSettled(ctx context.Context, send func(context.Context, Reply) error, r tori.PaymentResult) error {
	ctx, cancel := context.WithTimeout(ctx, tori.TellWithin)
	defer cancel()

	// The client's messages first: each must go out before anything else is told.
	var notices []Reply
	for _, rep := range b.PaymentReplies(ctx, r) {
		if rep.Retry != "" {
			notices = append(notices, rep)
			continue
		}
		if err := send(ctx, rep); err != nil && !final(err) {
			b.log.Warn("payment settled, but the client's message did not go out; told again later", "appointment", r.Appointment.ID, "err", err)
			b.bookings.PaymentTold(ctx, r, false)
			return err
		}
	}

	// Then the therapist's notices: queued for the worker where the telling
	// is recorded (the same round trip), then sent; one Telegram does not
	// take now is left to the worker.
	notices = b.dueNotices(notices)
	if err := b.bookings.PaymentTold(ctx, r, true, queuedItems(notices)...); err != nil {
		notices = unqueued(notices)
	}
	for _, rep := range notices {
		if err := send(ctx, rep); err != nil && !final(err) {
			_ = b.RetryLater(ctx, rep)
		}
	}
	return nil
}
