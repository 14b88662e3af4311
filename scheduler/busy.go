package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
)

// CalendarReader reads one of a therapist's own calendars over [from, to),
// asking with prev's validators whether it changed: unchanged (nothing to
// write), or its busy times. Its errors are tori errors whose message a
// therapist can act on. The wiring makes one of package busy.
type CalendarReader func(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, prev tori.BusyState, from, to time.Time) (imp tori.BusyImport, unchanged bool, err error)

// BusyStore is what the calendar poll needs of storage; storage.Store
// satisfies it.
type BusyStore interface {
	// BusyState returns what is kept of a calendar's last good read.
	BusyState(ctx context.Context, tid, source string) (tori.BusyState, error)
	// ReplaceBusy replaces a calendar's busy times in one atomic step and
	// returns those newly over a live hold or booking.
	ReplaceBusy(ctx context.Context, tid string, imp tori.BusyImport, now time.Time) ([]tori.BusyOverlap, error)
	// BusySources returns the sources a therapist has busy times from.
	BusySources(ctx context.Context, tid string) ([]string, error)
	// BusyFailed records a failed read and returns since when reads fail;
	// BusyToldStale reports whether this call is the one to tell of it;
	// BusyRecovered ends the failures and reports whether they were told.
	BusyFailed(ctx context.Context, tid, source string, now time.Time, code string) (time.Time, error)
	BusyToldStale(ctx context.Context, tid, source string) (bool, error)
	BusyRecovered(ctx context.Context, tid, source string) (bool, error)
	// BusyRead records, in one write, the calendars ("<therapist>/<source>")
	// a round read well, for /calendar's "last read".
	BusyRead(ctx context.Context, calendars []string, now time.Time) error
}

// pollCalendars reads each therapist's own calendars in a round every
// busy_calendars.every (once across workers) and replaces the busy times of
// those that changed. A calendar that fails keeps its last good busy times.
// It returns the calendars whose busy times were replaced.
func (w *Worker) pollCalendars(ctx context.Context) (int, error) {
	st, ok := w.cfg.Store.(BusyStore)
	if w.cfg.Calendars == nil || !ok {
		return 0, nil
	}

	if !w.calendarsCleared.Load() {
		if err := w.clearOldCalendars(ctx, st); err != nil {
			return 0, err
		}
		w.calendarsCleared.Store(true)
	}

	// One claim for the round, not one per calendar: a round of unchanged
	// calendars is then their HTTP requests and no Redis write but this.
	p := w.cfg.Practice
	due, err := w.cfg.Store.Claim(ctx, "busypoll", "round", p.Busy.Every-time.Second)
	if err != nil || !due {
		return 0, err
	}

	n, read := 0, []string{}
	for _, t := range p.Therapists {
		for _, c := range t.BusyCalendars {
			if w.stopping(ctx) {
				return n, st.BusyRead(ctx, read, w.now())
			}
			changed, ok, err := w.pollCalendar(ctx, st, t, c)
			if err != nil {
				return n, err
			}
			if ok {
				read = append(read, t.ID+"/"+c.Source())
			}
			if changed {
				n++
			}
		}
	}

	// When each was last read well: one write for the whole round.
	return n, st.BusyRead(ctx, read, w.now())
}

// pollCalendar reads one calendar of a round: whether its busy times
// changed, and whether it was read well. Only a store error is returned (a
// calendar that cannot be read is logged and tried again at the next round).
func (w *Worker) pollCalendar(ctx context.Context, st BusyStore, t tori.Therapist, c tori.BusyCalendar) (changed, read bool, err error) {
	p := w.cfg.Practice
	prev, err := st.BusyState(ctx, t.ID, c.Source())
	if err != nil {
		return false, false, err
	}

	// Over the booking horizon, from the start of today; read in full once
	// a day, as the horizon's new day has no busy times yet.
	now := w.now()
	from := p.Today(now).At(0, p.Location)
	to := p.LastBookableDay(now).AddDays(1).At(0, p.Location)
	if prev.At.Before(from) {
		prev.ETag, prev.LastModified = "", ""
	}
	imp, unchanged, err := w.cfg.Calendars(ctx, t, c, prev, from, to)
	countRead(t, c, unchanged, err, now)
	if err != nil {
		w.cfg.Log.Warn("busy calendar not read; its last busy times stay", "therapist", t.ID, "source", c.Source(), "code", tori.ErrorCode(err), "why", tori.ErrorMessage(err))
		return false, false, w.calendarFailed(ctx, st, t, c, err)
	}
	if !prev.FailingSince.IsZero() {
		if err := w.calendarRecovered(ctx, st, t, c); err != nil {
			return false, false, err
		}
	}
	if unchanged {
		return false, true, nil
	}

	imp.Source = c.Source()
	over, err := st.ReplaceBusy(ctx, t.ID, imp, now)
	if err != nil {
		return false, false, err
	}
	metrics.BusyIntervals.WithLabelValues(t.ID, c.Source()).Set(float64(len(imp.Intervals)))
	w.tellOverlaps(ctx, over)
	return true, true, nil
}

// calendarFailed records a failed read, and tells the therapist once when
// reads have failed for busy_calendars.stale_after.
func (w *Worker) calendarFailed(ctx context.Context, st BusyStore, t tori.Therapist, c tori.BusyCalendar, why error) error {
	since, err := st.BusyFailed(ctx, t.ID, c.Source(), w.now(), tori.ErrorCode(why))
	if err != nil || w.now().Sub(since) < w.cfg.Practice.Busy.StaleAfter {
		return err
	}
	first, err := st.BusyToldStale(ctx, t.ID, c.Source())
	if err != nil || !first || w.cfg.Notify == nil {
		return err
	}
	if err := w.cfg.Notify.BusyStale(ctx, t, c, since, why); err != nil {
		w.cfg.Log.Warn("stale calendar not told", "therapist", t.ID, "source", c.Source(), "err", err)
	}
	return nil
}

// calendarRecovered ends a run of failed reads, and tells the therapist
// when they had been told of it.
func (w *Worker) calendarRecovered(ctx context.Context, st BusyStore, t tori.Therapist, c tori.BusyCalendar) error {
	told, err := st.BusyRecovered(ctx, t.ID, c.Source())
	if err != nil || !told || w.cfg.Notify == nil {
		return err
	}
	if err := w.cfg.Notify.BusyRecovered(ctx, t, c); err != nil {
		w.cfg.Log.Warn("recovered calendar not told", "therapist", t.ID, "source", c.Source(), "err", err)
	}
	return nil
}

// tellOverlaps tells the therapist of each busy time newly over a live
// hold or booking. ReplaceBusy returns each once; a notice Telegram does not
// take is queued by the notifier, and one that cannot be sent is logged.
func (w *Worker) tellOverlaps(ctx context.Context, over []tori.BusyOverlap) {
	for _, o := range over {
		a, err := w.cfg.Store.Appointment(ctx, o.AppointmentID)
		if err == nil && w.cfg.Notify != nil {
			err = w.cfg.Notify.BusyOverBooking(ctx, o, a)
		}
		if err != nil && tori.ErrorCode(err) != tori.ENOTFOUND {
			w.cfg.Log.Warn("busy time over a booking not told", "appointment", o.AppointmentID, "err", err)
		}
	}
}

// clearOldCalendars frees the busy times of calendars no longer in
// tori.yaml (which changes only with a restart, so once a process).
func (w *Worker) clearOldCalendars(ctx context.Context, st BusyStore) error {
	for _, t := range w.cfg.Practice.Therapists {
		kept := map[string]bool{}
		for _, c := range t.BusyCalendars {
			kept[c.Source()] = true
		}
		sources, err := st.BusySources(ctx, t.ID)
		if err != nil {
			return err
		}

		for _, src := range sources {
			if kept[src] {
				continue
			}
			if _, err := st.ReplaceBusy(ctx, t.ID, tori.BusyImport{Source: src}, w.now()); err != nil {
				return err
			}
			w.cfg.Log.Info("busy calendar no longer configured: its busy times are freed", "therapist", t.ID, "source", src)
		}
	}
	return nil
}

// countRead counts a read of calendar c in the metrics.
func countRead(t tori.Therapist, c tori.BusyCalendar, unchanged bool, err error, now time.Time) {
	outcome := "changed"
	switch {
	case err != nil:
		outcome = "failed"
	case unchanged:
		outcome = "unchanged"
	}
	metrics.BusyReads.WithLabelValues(t.ID, c.Source(), outcome).Inc()
	if err == nil {
		metrics.BusyLastSuccess.WithLabelValues(t.ID, c.Source()).Set(float64(now.Unix()))
	}
}
