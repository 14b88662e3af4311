package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// expireHolds is the hold expiry job. Every hold is in its therapist's
// expiry queue, scored by its end, from the script that takes it (renewals
// move it; confirming or releasing takes it out). Each run ends the holds
// whose time has run out, in time order, frees their time and tells the
// client (a marker set after the message makes sure they are told once
// even if sending fails first). A hold whose payment is being captured is
// left to the payment; one whose buyer approved at PayPal but has not come
// back is paid now rather than ended.
func (w *Worker) expireHolds(ctx context.Context) (int, error) {
	ended := 0
	for _, t := range w.cfg.Practice.Therapists {
		claims, err := w.cfg.Store.ClaimDue(ctx, tori.QueueHoldExpiry, t.ID, w.now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			return ended, err
		}

		for _, c := range claims { // in due order
			if w.stopping(ctx) {
				return ended, nil
			}
			ok, err := w.expire(ctx, t.ID, c)
			if err != nil {
				w.cfg.Log.Warn("hold expiry not finished; retried after its lease", "hold", c.Member, "err", err)
				continue
			}
			if ok {
				ended++
			}
		}
	}
	return ended, nil
}

// expire ends the hold of claim c, of therapist tid, if its time has run
// out; told reports that the client was told now.
func (w *Worker) expire(ctx context.Context, tid string, c tori.Claim) (told bool, err error) {
	st := w.cfg.Store
	if paid, err := w.paidMeanwhile(ctx, c.Member); paid || err != nil {
		return false, err
	}

	a, fresh, err := st.ExpireHold(ctx, c.Member, w.now())
	switch {
	case tori.ErrorCode(err) == tori.ENOTFOUND:
		_, err = st.Ack(ctx, tori.QueueHoldExpiry, tid, c)
		return false, err
	case err != nil:
		return false, err
	}

	if a.Status == tori.StatusHeld { // renewed, or being paid: look again later
		due := a.HoldUntil
		if !due.After(w.now()) {
			due = w.now().Add(time.Minute)
		}
		_, err = st.Requeue(ctx, tori.QueueHoldExpiry, tid, c, due)
		return false, err
	}

	// A hold whose capture did not match passed its time to its successor
	// (or, pending at PayPal, let it go) and is told of by its payment.
	if a.Status == tori.StatusExpired && a.PayState != tori.PayStatePaid && !a.PayState.Mismatched() {
		if told, err = w.holdEnded(ctx, a, fresh); err != nil {
			return false, err
		}
	}

	// The first week of a prepaid series ran out unpaid: the weeks
	// awaiting their payments go with it (again after a crash: idempotent).
	if _, err := w.cfg.Bookings.DropUnpaidSeries(ctx, a); err != nil {
		return false, err
	}
	_, err = st.Ack(ctx, tori.QueueHoldExpiry, tid, c)
	return told, err
}

// holdEnded frees the time of a hold that ran out for the waitlist and
// tells its client, once; fresh says this run ended it (and counts it).
func (w *Worker) holdEnded(ctx context.Context, a tori.Appointment, fresh bool) (told bool, err error) {
	// The time is free: the waitlist may want it (recorded once per hold,
	// so a retry after a failed message does not lose or double it).
	if err := w.cfg.Bookings.FreedAppointment(ctx, a); err != nil {
		return false, err
	}
	if fresh {
		w.cfg.Bookings.Count("hold", "expired")
		if a.Offer != "" {
			w.cfg.Bookings.Count("waitlist", "expired")
		}
	}
	w.fault("hold.before_told")

	// Told once: a marker set after the message.
	marker := "holdend:" + a.ID
	done, err := w.cfg.Store.Marked(ctx, marker)
	if err != nil || done {
		return false, err
	}
	if err := w.cfg.Notify.HoldExpired(ctx, a); err != nil && !unreachable(err) {
		return false, err // tried again after the lease
	}
	if _, err := w.cfg.Store.MarkOnce(ctx, marker, 7*24*time.Hour); err != nil {
		return false, err
	}
	return true, nil
}

// awaitingBuyer reports whether a is a hold run out with an order its buyer
// may have approved at PayPal.
func (w *Worker) awaitingBuyer(a tori.Appointment) bool {
	return a.Status == tori.StatusHeld && a.OrderID != "" && w.cfg.Bookings.Payments != nil &&
		!w.now().Before(a.HoldUntil) && (a.PayState == tori.PayStateOrdered || a.PayState == tori.PayStateDeclined)
}

// paidMeanwhile finishes the payment of a run-out hold whose buyer approved
// at PayPal but has not come back (and whose webhook has not come): paying
// it beats telling the client it ended. true when it was handled so.
func (w *Worker) paidMeanwhile(ctx context.Context, id string) (bool, error) {
	a, err := w.cfg.Store.Appointment(ctx, id)
	if err != nil || !w.awaitingBuyer(a) {
		return false, nil
	}

	// Approved at PayPal, or captured there: pay it now.
	o, err := w.cfg.Bookings.Payments.Order(ctx, a.OrderID)
	if err != nil || (o.Status != "APPROVED" && o.Capture == nil) {
		return false, nil // not approved (or PayPal is not answering): the hold ends as usual
	}

	var known *tori.Capture
	if o.Capture != nil && o.Capture.Status == "COMPLETED" {
		known = o.Capture
	}
	r, err := w.cfg.Bookings.CompletePayment(ctx, a.OrderID, known)
	if err != nil {
		return false, err
	}

	if err := w.cfg.Notify.PaymentSettled(ctx, r); err != nil && !unreachable(err) {
		w.cfg.Log.Warn("payment settled, but the message did not go out", "appointment", a.ID, "err", err)
	}
	return true, nil
}
