package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// seriesEndAhead is how long before a counted series' last session its
// client is asked whether to continue.
const seriesEndAhead = 7 * 24 * time.Hour

// askSeriesEnds is the job that asks, once per series, before a counted
// series' last session (within a week of it): the client "continue for N
// more?", the therapist told that it ends. It reads the sessions of the
// coming week; the one of them that is its series' last is asked about,
// and the series record's compare-and-set (Store.AskSeriesEnd) lets one
// run of one worker ask. A question that reached nobody is given back
// and asked again by a later run; one delivered is never asked twice.
func (w *Worker) askSeriesEnds(ctx context.Context) (int, error) {
	now := w.now()
	today := tori.DateOf(now.In(w.cfg.Practice.Location))
	asked := 0
	for _, t := range w.cfg.Practice.Therapists {
		for i := range 8 {
			as, err := w.cfg.Bookings.Day(ctx, []string{t.ID}, today.AddDays(i))
			if err != nil {
				return asked, err
			}

			for _, a := range as {
				if w.stopping(ctx) {
					return asked, nil
				}
				ok, err := w.askSeriesEnd(ctx, a, now)
				if err != nil {
					return asked, err
				}
				if ok {
					asked++
				}
			}
		}
	}
	return asked, nil
}

// askSeriesEnd asks about a's series when a is its last session, within
// the week ahead, and no one asked yet; true when this run asked.
func (w *Worker) askSeriesEnd(ctx context.Context, a tori.Appointment, now time.Time) (bool, error) {
	if a.Series == "" || a.Status != tori.StatusConfirmed || !a.Start.After(now) || a.Start.Sub(now) > seriesEndAhead {
		return false, nil
	}
	sr, err := w.cfg.Bookings.Series(ctx, a.Series)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		return false, nil
	}
	if err != nil || sr.Rule.Count == 0 || sr.Status != tori.StatusConfirmed || len(sr.Taken) == 0 || sr.Taken[len(sr.Taken)-1].ID != a.ID {
		return false, err
	}

	asker := tori.RandomToken(12)
	first, err := w.cfg.Bookings.Store.AskSeriesEnd(ctx, sr.ID, asker, now)
	if err != nil || !first {
		return false, err
	}

	// Nothing delivered (Telegram did not take it): the ask is given back
	// for the next run. A chat that cannot be written to is not retried.
	if err := w.cfg.Notify.SeriesEnding(ctx, sr, a); err != nil && !unreachable(err) {
		w.cfg.Log.Warn("series end not asked; asked again on the next run", "series", sr.ID, "err", err)
		return false, w.cfg.Bookings.Store.GiveBackSeriesEnd(ctx, sr.ID, asker, now)
	}
	return true, nil
}
