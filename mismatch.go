package tori

import "context"

// Matches reports whether c took exactly what a is due: the same amount
// in the same currency. A capture that does not is never a confirmation: it
// is refunded in full, and the time passes to a successor hold
// (docs/ARCHITECTURE.md, "A capture must match what is due").
func (a Appointment) Matches(c Capture) bool { return c.Amount == a.Due }

// record records a completed capture of a's order. Every path that records
// a capture (the buyer's return, a webhook carrying the capture,
// reconciliation, askPayPal after a lost hold) comes through here, so this
// is where a mismatch is seen before anything is written; the store's
// script compares again with the due it holds, so that nothing can confirm
// a mismatched capture even if a caller got here another way.
func (b *Bookings) record(ctx context.Context, a Appointment, c Capture) (Appointment, bool, error) {
	if c.Amount.Currency == "" {
		// Not read from PayPal's answer: what was taken is unknown, and a
		// guess could confirm, or refund, the wrong amount. Tried again.
		return Appointment{}, false, Errorf(EUNAVAILABLE, "PayPal's capture %s of appointment %s does not say what it took", c.ID, a.ID)
	}

	var next Appointment
	if !a.Matches(c) {
		b.log().Warn("a capture does not match what is due: refunded, never booked",
			"appointment", a.ID, "captured", c.Amount.String(), "due", a.Due.String())
		if a.PayState != PayStateMismatchPending { // that one let its time go when it was pending
			next = b.successor(a)
		}
	}

	return b.Store.ConfirmPaid(ctx, a, c, next, b.now())
}

// successor is the hold that takes over the time of a hold whose capture
// did not match, so that the client can pay again under a new order: the
// same client, session, terms and waitlist offer under a new id and token,
// held until the later of the old hold's end and a full hold period from
// now. docs/ARCHITECTURE.md ("A capture must match what is due") has the
// rest: its request ids, its message, the offer it carries on.
func (b *Bookings) successor(a Appointment) Appointment {
	now := b.now().UTC()
	until := now.Add(b.Practice.Policy.HoldFor)
	if a.HoldUntil.After(until) {
		until = a.HoldUntil.UTC()
	}

	return Appointment{
		ID:          NewAppointmentID(a.TherapistID),
		TherapistID: a.TherapistID,
		ServiceID:   a.ServiceID,
		Client:      a.Client,
		Start:       a.Start,
		End:         a.End,
		Buffer:      a.Buffer,
		Status:      StatusHeld,
		HoldToken:   RandomToken(12),
		HoldUntil:   until,
		Price:       a.Price,
		Payment:     a.Payment,
		Due:         a.Due,
		Prepay:      a.Prepay,
		Remote:      a.Remote,
		Offer:       a.Offer,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
}

// mismatched reports a capture that did not match what was due: nothing
// is booked; its refund of exactly what was captured is asked for at once
// (and retried by the worker, with its backoff, while PayPal refuses it or
// does not answer: see refundNow), and its telling is claimed as a settled
// payment's is, so that the client and the therapist are told once.
func (b *Bookings) mismatched(ctx context.Context, a Appointment, fresh bool) PaymentResult {
	if fresh {
		b.Count("payment", "mismatch")
		b.amount("captured", a.Paid)
		b.amount("mismatch", a.Paid)
	}

	a = b.refundNow(ctx, a)
	r := PaymentResult{Outcome: PaidMismatch, Appointment: a}
	r.Fresh, r.Told, r.TellToken = b.claimTelling(ctx, a, fresh)
	return r
}

// pendingMismatch records a capture PayPal accepted but has not completed,
// of another amount or currency than a is due: it can never be a booking,
// so the hold is not kept for the days PayPal may take to settle it. Its
// time is let go at once (to the waitlist, as any freed time; no
// successor: paying again is booking again), and the capture is kept, so
// that its completion (a webhook, the return, reconciliation) is recorded
// as a mismatch and refunded in full, and its denial ends it. The client
// is told once (Fresh).
func (b *Bookings) pendingMismatch(ctx context.Context, a Appointment, c Capture) (PaymentResult, *Capture, error) {
	a, fresh, err := b.Store.PendingMismatch(ctx, a, c, b.now())
	if err != nil {
		return PaymentResult{}, nil, err
	}

	if fresh {
		b.log().Warn("a pending capture does not match what is due: the time let go, refunded once completed",
			"appointment", a.ID, "captured", c.Amount.String(), "due", a.Due.String())
		b.Count("payment", "mismatch_pending")
		b.afterFreeing("pending mismatch", b.FreedAppointment(ctx, a))
	}
	return PaymentResult{Outcome: PayMismatchPending, Appointment: a, Fresh: fresh}, nil, nil
}
