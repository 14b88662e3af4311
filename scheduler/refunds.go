package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// retryRefunds is the refund retry job. A cancellation with a refund puts
// the booking in the refunds queue (as intent, before the refund is
// pending) and tries the refund at once; what PayPal refuses or does not
// answer is tried again here with growing pauses, through the same
// idempotent request, until PayPal accepts it (then the client and
// therapist are told). After the configured number of attempts the
// therapist is told to refund by hand, with the amount and the PayPal
// capture id, and tori stops trying (a refund made by hand must not be
// doubled; PayPal's REFUNDED webhook then records it).
func (w *Worker) retryRefunds(ctx context.Context) (int, error) {
	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueRefunds, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}

	done := 0
	for _, c := range claims {
		ok, err := w.retryRefund(ctx, c)
		if err != nil {
			w.cfg.Log.Warn("refund retry not finished; tried again after its lease", "appointment", c.Member, "err", err)
			continue
		}
		if ok {
			done++
		}
	}
	return done, nil
}

func (w *Worker) retryRefund(ctx context.Context, c tori.Claim) (bool, error) {
	st := w.cfg.Store
	before, err := st.Appointment(ctx, c.Member)
	// A refund part of which was made at PayPal by hand is the practice's
	// now: they were told what is still owed when it was reported.
	if tori.ErrorCode(err) == tori.ENOTFOUND || err == nil && (before.RefundState != tori.RefundPending || before.RefundByHand) {
		_, err = st.Ack(ctx, tori.QueueRefunds, "", c)
		return false, err
	}
	if err != nil {
		return false, err
	}

	if before.RefundTries >= w.cfg.Practice.Worker.RefundAttempts {
		return false, w.handOver(ctx, before, c)
	}

	a, rerr := w.cfg.Bookings.IssueRefund(ctx, c.Member)
	if rerr == nil && a.RefundState == tori.RefundRefunded {
		if err := w.cfg.Notify.RefundDone(ctx, a); err != nil && !unreachable(err) {
			w.cfg.Log.Warn("refund done, but the message did not go out", "appointment", a.ID, "err", err)
		}
		_, err := st.Ack(ctx, tori.QueueRefunds, "", c)
		return true, err
	}

	if a.ID == "" {
		a = before
	}
	w.cfg.Log.Warn("refund refused or unanswered", "appointment", a.ID, "attempts", a.RefundTries, "err", rerr)
	if a.RefundTries >= w.cfg.Practice.Worker.RefundAttempts {
		return false, w.handOver(ctx, a, c)
	}
	_, err = st.Requeue(ctx, tori.QueueRefunds, "", c, w.now().Add(tori.RefundBackoff(a.RefundTries)))
	return false, err
}

// handOver tells the therapist, once, to refund by hand, and stops
// retrying. The marker is set after the message, so a crash between the
// two repeats the message once at most.
func (w *Worker) handOver(ctx context.Context, a tori.Appointment, c tori.Claim) error {
	marker := "refund-by-hand:" + a.ID
	told, err := w.cfg.Store.Marked(ctx, marker)
	if err != nil {
		return err
	}
	if !told {
		if err := w.cfg.Notify.RefundByHand(ctx, a); err != nil && !unreachable(err) {
			return err
		}
		if _, err := w.cfg.Store.MarkOnce(ctx, marker, 365*24*time.Hour); err != nil {
			return err
		}
		w.cfg.Bookings.Count("refund", "by_hand")
	}

	_, err = w.cfg.Store.Ack(ctx, tori.QueueRefunds, "", c)
	return err
}
