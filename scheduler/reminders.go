package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
)

// reminderMarker names the marker of one reminder.
func reminderMarker(a tori.Appointment, before time.Duration) string {
	return fmt.Sprintf("rem:%s:%d:%d", a.ID, a.Start.Unix(), int(before.Minutes()))
}

// sendReminders is the reminders job: it sends the reminders that are due
// and returns how many. It claims batch after batch until nothing is due,
// so a burst drains at the limiter's pace rather than one batch per tick.
//
// A confirmed (or moved) booking is put in its therapist's reminder queue,
// due at once, in the same script that confirms it; a cancelled one is
// taken out. Each run works out, from the booking as it is now, which
// reminder is due: offsets that had passed when the booking was made
// (RemindFrom) are never sent; when several are due at once (the worker
// was down) only the latest goes out. The item is then re-queued for the
// next offset, or acknowledged. A sent-marker per (booking, start, offset)
// is set after sending, so a crash between the two repeats one reminder at
// most; a moved booking has a new start, so new markers.
func (w *Worker) sendReminders(ctx context.Context) (int, error) {
	sent := 0
	for {
		n, claimed, err := w.remindBatch(ctx)
		sent += n
		if err != nil || claimed == 0 || ctx.Err() != nil {
			return sent, err
		}
	}
}

// remindBatch claims one batch per therapist and handles it.
func (w *Worker) remindBatch(ctx context.Context) (sent, claimed int, err error) {
	for _, t := range w.cfg.Practice.Therapists {
		claims, err := w.cfg.Store.ClaimDue(ctx, tori.QueueReminders, t.ID, w.now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			return sent, claimed, err
		}
		claimed += len(claims)

		for _, c := range claims {
			if w.stopping(ctx) {
				return sent, 0, nil
			}
			ok, err := w.remind(ctx, t.ID, c)
			if err != nil {
				w.cfg.Log.Warn("reminder not sent; retried after its lease", "appointment", c.Member, "err", err)
				continue
			}
			if ok {
				sent++
			}
		}
	}
	return sent, claimed, nil
}

// remind handles one claimed booking: sends its due reminder, if any, and
// re-queues it for the next one.
func (w *Worker) remind(ctx context.Context, tid string, c tori.Claim) (bool, error) {
	st, now := w.cfg.Store, w.now()
	a, err := st.Appointment(ctx, c.Member)
	if err == nil && awaitingPayment(a) {
		return w.payReminder(ctx, tid, c, a)
	}
	if tori.ErrorCode(err) == tori.ENOTFOUND || err == nil && !a.Upcoming(now) {
		_, err = st.Ack(ctx, tori.QueueReminders, tid, c)
		return false, err
	}
	if err != nil {
		return false, err
	}

	// The latest reminder due, if any, goes out.
	due, next, err := w.dueReminders(ctx, a, now)
	if err != nil {
		return false, err
	}
	if len(due) > 0 { // a strike's PrepayRest a crash cut short: finished before reminding
		turned, changed, err := w.recoverPrepayRest(ctx, a)
		if err != nil {
			return false, err
		}
		if changed {
			return w.payReminder(ctx, tid, c, turned)
		}
	}
	sentOne := len(due) > 0
	if sentOne {
		mine, err := w.sendLatest(ctx, a, due, now)
		if err != nil || !mine {
			return false, err // not mine: another worker is sending it, and will settle the item
		}
	}

	// Queued again for the next reminder, or done with.
	if next.IsZero() {
		_, err = st.Ack(ctx, tori.QueueReminders, tid, c)
	} else {
		_, err = st.Requeue(ctx, tori.QueueReminders, tid, c, next)
	}
	return sentOne, err
}

// dueReminders are the reminders of a due and not sent, longest first,
// and when the next one falls due (zero: none).
func (w *Worker) dueReminders(ctx context.Context, a tori.Appointment, now time.Time) (due []time.Duration, next time.Time, err error) {
	for _, before := range w.cfg.Practice.ReminderOffsets(a) {
		at := a.Start.Add(-before)
		if at.Before(a.RemindFrom) {
			continue // it had passed when the booking was made or moved
		}

		sent, err := w.cfg.Store.Marked(ctx, reminderMarker(a, before))
		if err != nil {
			return nil, time.Time{}, err
		}
		if sent {
			continue
		}
		if at.After(now) {
			return due, at, nil
		}
		due = append(due, before)
	}
	return due, time.Time{}, nil
}

// sendLatest sends the latest of the due reminders and marks the others
// superseded; mine is false when another worker is sending it.
func (w *Worker) sendLatest(ctx context.Context, a tori.Appointment, due []time.Duration, now time.Time) (mine bool, err error) {
	st := w.cfg.Store
	keep := a.Start.Sub(now) + 7*24*time.Hour
	latest := due[len(due)-1]
	for _, skipped := range due[:len(due)-1] { // superseded by a later one
		if _, err := st.MarkOnce(ctx, reminderMarker(a, skipped), keep); err != nil {
			return false, err
		}
	}

	// The queue claim may have lapsed while earlier sends waited on the
	// limiter; a claim on the reminder itself makes sure one worker sends it.
	marker := reminderMarker(a, latest)
	if mine, err = st.Claim(ctx, "remsend", marker, 10*time.Minute); err != nil || !mine {
		return false, err
	}

	// Sent, then marked: a crash between the two repeats it once at most.
	if err := w.cfg.Notify.Remind(ctx, a, latest); err != nil && !unreachable(err) {
		_ = st.Forget(ctx, "remsend", marker)
		return false, err // the claim stays ours until the lease ends; then it is tried again
	}
	if _, err := st.MarkOnce(ctx, marker, keep); err != nil {
		return false, err
	}

	metrics.Reminders.WithLabelValues("sent").Inc()
	if now.Sub(a.Start.Add(-latest)) > 5*time.Minute {
		metrics.Reminders.WithLabelValues("late").Inc()
	}
	return true, nil
}
