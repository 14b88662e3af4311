package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// orderLife is how long after its hold ends an unapproved order is still
// watched (PayPal lets a buyer approve for about three hours); erasure
// waits for it too.
const orderLife = tori.OrderLife

// reconcile is the reconciliation job. Every order is put in the
// open-payments queue when it is made (as intent, due two minutes later);
// until its payment settles it is looked up with PayPal every minute and
// finished: an approved order whose buyer never came back is captured, a
// capture PayPal completed but tori never recorded is recorded, a pending
// capture is checked, so that a crash at any step converges, with webhooks
// switched off too. An order the buyer never approved is dropped once its
// hold is long over.
func (w *Worker) reconcile(ctx context.Context) (int, error) {
	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueOpenPayments, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}

	settled := 0
	for _, c := range claims {
		done, err := w.settle(ctx, c)
		if err != nil {
			w.cfg.Log.Warn("payment not reconciled yet", "appointment", c.Member, "err", err)
			if _, err := st.Requeue(ctx, tori.QueueOpenPayments, "", c, w.now().Add(time.Minute)); err != nil {
				return settled, err
			}
			continue
		}

		if done {
			settled++
			if _, err := st.Ack(ctx, tori.QueueOpenPayments, "", c); err != nil {
				return settled, err
			}
		} else if _, err := st.Requeue(ctx, tori.QueueOpenPayments, "", c, w.now().Add(time.Minute)); err != nil {
			return settled, err
		}
	}
	return settled, nil
}

// settle looks one open payment up and finishes it; done reports that
// nothing is left to watch.
func (w *Worker) settle(ctx context.Context, c tori.Claim) (done bool, err error) {
	a, err := w.cfg.Store.Appointment(ctx, c.Member)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return false, err
	}

	switch {
	case a.OrderID == "":
		return true, nil
	case a.PayState == tori.PayStateLost:
		return true, nil
	case a.PayState == tori.PayStatePaid || a.PayState == tori.PayStateMismatch:
		// Recorded; told too, unless a crash or Telegram came between.
		r, err := w.cfg.Bookings.CompletePayment(ctx, a.OrderID, nil)
		if err != nil {
			return false, err
		}
		return w.tellSettled(ctx, a, r), nil
	case w.cfg.Bookings.Payments == nil:
		return false, tori.Errorf(tori.EUNAVAILABLE, "online payment is not set up")
	}
	return w.settleWithPayPal(ctx, a)
}

// settleWithPayPal finishes a payment not recorded here by what PayPal
// says of its order: a capture pending waits, one declined is told, one
// made is recorded; an order approved is captured; one not approved is
// dropped once its hold is long over.
func (w *Worker) settleWithPayPal(ctx context.Context, a tori.Appointment) (done bool, err error) {
	o, err := w.cfg.Bookings.Payments.Order(ctx, a.OrderID)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		w.cfg.Log.Warn("PayPal does not know this order; no longer watched", "appointment", a.ID, "order", a.OrderID)
		return true, nil
	}
	if err != nil {
		return false, err
	}

	var known *tori.Capture
	switch {
	case o.Capture != nil && o.Capture.Status == "PENDING":
		return false, nil // PayPal has not finished
	case o.Capture != nil && (o.Capture.Status == "DECLINED" || o.Capture.Status == "FAILED"):
		return w.paymentDenied(ctx, a)
	case o.Capture != nil:
		known = o.Capture // captured at PayPal (since refunded or not), not recorded here
		known.Status = "COMPLETED"
	case o.Status == "APPROVED":
		// the buyer approved and never came back: capture
	default: // not approved
		return w.now().After(watchedUntil(a)), nil
	}
	return w.completePayment(ctx, a, known)
}

// watchedUntil is when an order of a its buyer has not approved stops
// being looked up: orderLife after its hold ends, or, for a booking
// awaiting its payment (held for days), after the order was made (its
// last write), so that an order left unpaid is not asked after every
// minute until the deadline. A later approval still finishes it by the
// webhook, or by the hold expiry's look at PayPal.
func watchedUntil(a tori.Appointment) time.Time {
	end := a.HoldUntil
	if !a.PayBy.IsZero() && a.UpdatedAt.Before(end) {
		end = a.UpdatedAt
	}
	return end.Add(orderLife)
}

// paymentDenied records a capture PayPal declined and tells of it, once.
func (w *Worker) paymentDenied(ctx context.Context, a tori.Appointment) (done bool, err error) {
	d, fresh, err := w.cfg.Bookings.PaymentDenied(ctx, a.OrderID)
	if err != nil {
		return false, err
	}
	if fresh {
		if err := w.cfg.Notify.PaymentSettled(ctx, tori.PaymentResult{Outcome: tori.PayDenied, Appointment: d, Fresh: true}); err != nil && !unreachable(err) {
			w.cfg.Log.Warn("payment denied, but the message did not go out", "appointment", a.ID, "err", err)
		}
	}
	return true, nil
}

// completePayment captures the order (or records known, the capture PayPal
// made) and tells of the outcome; a declined or pending capture is looked
// at again.
func (w *Worker) completePayment(ctx context.Context, a tori.Appointment, known *tori.Capture) (done bool, err error) {
	r, err := w.cfg.Bookings.CompletePayment(ctx, a.OrderID, known)
	if err != nil {
		return false, err
	}

	if r.Settled() {
		return w.tellSettled(ctx, a, r), nil
	}
	if err := w.cfg.Notify.PaymentSettled(ctx, r); err != nil && !unreachable(err) {
		w.cfg.Log.Warn("payment settled, but the message did not go out", "appointment", a.ID, "err", err)
	}

	// (a pending capture, matching or not, is watched until PayPal settles it)
	return r.Outcome != tori.PayDeclined && r.Outcome != tori.PayPending && r.Outcome != tori.PayMismatchPending, nil
}

// tellSettled tells of a settled payment if this run holds the claim to,
// and reports whether nothing is left to tell (told now or before); a
// payment another caller is telling, or whose message did not go out, is
// looked at again.
func (w *Worker) tellSettled(ctx context.Context, a tori.Appointment, r tori.PaymentResult) bool {
	if !r.Fresh {
		return r.Told
	}

	err := w.cfg.Notify.PaymentSettled(ctx, r) // records the telling
	if err != nil && !unreachable(err) {
		w.cfg.Log.Warn("payment settled, but the message did not go out; told again later", "appointment", a.ID, "err", err)
		return false
	}
	return true
}
