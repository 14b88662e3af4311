package scheduler

import (
	"context"

	"github.com/tori-bot/tori"
)

// extendSeries is the job that keeps each series "until further notice"
// booked series.ahead ahead. Every such series is in its therapist's
// series queue (tori.QueueSeries), put there by the step that took it,
// due when its next week comes within series.ahead. Each run books the
// next weeks of those due (Bookings.ExtendSeries, one atomic step) and
// puts each back at its next due time; a series that no longer books
// leaves the queue. The weeks it could not book are recorded in the
// series by the step that books the others (a compare-and-set on its next
// week), and only that step returns them: both sides are told of them
// once, with the nearest free time each week (Notifier.SeriesGaps).
func (w *Worker) extendSeries(ctx context.Context) (int, error) {
	extended := 0
	for _, t := range w.cfg.Practice.Therapists {
		claims, err := w.cfg.Store.ClaimDue(ctx, tori.QueueSeries, t.ID, w.now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			return extended, err
		}
		for _, c := range claims {
			if w.stopping(ctx) {
				return extended, nil
			}
			missed, err := w.extendOne(ctx, t.ID, c)
			if err != nil {
				w.cfg.Log.Warn("series not extended; retried after its lease", "series", c.Member, "err", err)
				continue
			}
			if len(missed) > 0 {
				w.tellGaps(ctx, c.Member, missed)
			}
			extended++
		}
	}
	return extended, nil
}

// extendOne extends the series of claim c, of therapist tid, and settles
// the claim: back in the queue at its next due time, or out of it.
func (w *Worker) extendOne(ctx context.Context, tid string, c tori.Claim) (missed []tori.Occurrence, err error) {
	weeks, next, err := w.cfg.Bookings.ExtendSeries(ctx, c.Member, w.now())
	switch {
	case tori.ErrorCode(err) == tori.ENOTFOUND, err == nil && next.IsZero():
		_, err = w.cfg.Store.Ack(ctx, tori.QueueSeries, tid, c)
	case err == nil:
		// The step that booked weeks moved the item already; then this
		// changes nothing.
		_, err = w.cfg.Store.Requeue(ctx, tori.QueueSeries, tid, c, next)
	}
	return weeks, err
}

// tellGaps tells both sides of the weeks missed that series id could not
// book. The weeks are recorded already; a message that does not go out is
// logged (the therapist's /day still shows the week empty).
func (w *Worker) tellGaps(ctx context.Context, id string, missed []tori.Occurrence) {
	w.cfg.Log.Info("series extended with weeks missing", "series", id, "missed", len(missed))
	sr, err := w.cfg.Bookings.Series(ctx, id)
	if err == nil {
		err = w.cfg.Notify.SeriesGaps(ctx, sr, missed)
	}
	if err != nil && !unreachable(err) {
		w.cfg.Log.Warn("weeks a series missed not told", "series", id, "err", err)
	}
}
