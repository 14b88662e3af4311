package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
)

// payReminderMarker names the marker of a booking's pay reminder, for its
// deadline (a new deadline is a new reminder).
func payReminderMarker(a tori.Appointment) string {
	return fmt.Sprintf("payrem:%s:%d", a.ID, a.PayBy.Unix())
}

// payReminder handles a claimed booking awaiting its payment (a hold with
// PayBy, put in the reminder queue at once by the step that took it): at
// Practice.PayReminderAt it sends the client the pay reminder with the
// pay button and the deadline, once; before that it re-queues the item
// for then. Paid meanwhile, the booking's confirmation queues it again
// for its ordinary reminders; unpaid at the deadline, the hold expiry
// releases it.
func (w *Worker) payReminder(ctx context.Context, tid string, c tori.Claim, a tori.Appointment) (bool, error) {
	st, now := w.cfg.Store, w.now()
	if err := w.tellPrepaidRest(ctx, a); err != nil {
		return false, err
	}
	at := w.cfg.Practice.PayReminderAt(a)
	if now.Before(at) {
		_, err := st.Requeue(ctx, tori.QueueReminders, tid, c, at)
		return false, err
	}
	if !now.Before(a.PayBy) { // too late to pay: the hold expiry tells
		_, err := st.Ack(ctx, tori.QueueReminders, tid, c)
		return false, err
	}

	// Sent, then marked: a crash between the two repeats it once at most.
	marker := payReminderMarker(a)
	sent, err := st.Marked(ctx, marker)
	if err != nil {
		return false, err
	}
	if !sent {
		if err := w.cfg.Notify.PayReminder(ctx, a); err != nil && !unreachable(err) {
			return false, err
		}
		if _, err := st.MarkOnce(ctx, marker, a.PayBy.Sub(now)+7*24*time.Hour); err != nil {
			return false, err
		}
	}
	_, err = st.Ack(ctx, tori.QueueReminders, tid, c)
	return !sent, err
}

// awaitingPayment reports whether a is a booking awaiting its payment.
func awaitingPayment(a tori.Appointment) bool {
	return a.Status == tori.StatusHeld && !a.PayBy.IsZero()
}

// fault is Bookings' fault point (the fault suite's crash points).
func (w *Worker) fault(point string) {
	if b := w.cfg.Bookings; b != nil && b.Fault != nil {
		b.Fault(point)
	}
}
