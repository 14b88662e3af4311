package tori

import (
	"context"
	"slices"
	"time"
)

// ErrSeriesWeekBooked is FillSeriesGap's ECONFLICT for a week no longer
// missed: booked already (a second press, or the other side's).
var ErrSeriesWeekBooked = Errorf(ECONFLICT, "That week is booked already.")

// FillSeriesGap books, for a week the open-ended series id missed as it
// extended (ExtendSeries), the session at at: a free time that week (the
// nearest one offered when the week was missed, or another), checked again
// and booked as an occurrence of the series in one atomic step. clientID
// is the client pressing the button, or 0 for the practice. ENOTFOUND for
// another client's series (the two are not told apart); ECONFLICT when at
// was taken meanwhile, ErrSeriesWeekBooked when the week is no longer
// missed;
// EEXPIRED when at has passed; EGONE when the series is no longer booked.
func (b *Bookings) FillSeriesGap(ctx context.Context, id string, clientID int64, at time.Time) (Appointment, error) {
	sr, err := b.Store.Series(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	base, ok, err := b.seriesBase(ctx, sr)
	switch {
	case err != nil:
		return Appointment{}, err
	case !ok || clientID != 0 && base.Client.ID != clientID:
		return Appointment{}, Errorf(ENOTFOUND, "That series was not found. Open your bookings to see them all.")
	case sr.Status != StatusConfirmed:
		return Appointment{}, Errorf(EGONE, "This series is no longer booked.")
	}

	// The week missed that at falls in, and at still free in it.
	k, ok := sr.missedWeekOf(b.Practice, at)
	if !ok {
		return Appointment{}, ErrSeriesWeekBooked
	}
	now := b.now()
	if !at.After(now) {
		return Appointment{}, Errorf(EEXPIRED, "That time has passed.")
	}
	r := sr.Rule
	r.Client = Client{ID: base.Client.ID}
	t, s, err := b.seriesParts(r)
	if err != nil {
		return Appointment{}, err
	}
	free, err := b.freeInWeek(ctx, r, t, s, at, now)
	if err != nil {
		return Appointment{}, err
	}
	if !free {
		return Appointment{}, Errorf(ECONFLICT, "That time was taken meanwhile.")
	}

	a := base.at(at, k, s)
	sr.ExtendAt = time.Time{}
	if err := b.Store.FillSeriesGap(ctx, sr, a, now); err != nil {
		if _, taken := SeriesConflicts(err); taken {
			return Appointment{}, Errorf(ECONFLICT, "That time was taken meanwhile.")
		}
		if ErrorCode(err) == ECONFLICT {
			return Appointment{}, ErrSeriesWeekBooked
		}
		return Appointment{}, err
	}
	b.Count("series_gap", "filled")
	return a, nil
}

// missedWeekOf is the week of sr it missed whose planned session falls in
// at's week (the practice's).
func (sr Series) missedWeekOf(p *Practice, at time.Time) (int, bool) {
	ws := DateOf(at.In(p.Location)).WeekStart(p.FirstWeekday)
	for _, k := range sr.Missed {
		st, _ := sr.Rule.occurrenceStart(p.Location, k)
		if DateOf(st.In(p.Location)).WeekStart(p.FirstWeekday) == ws {
			return k, true
		}
	}
	return 0, false
}

// freeInWeek reports whether at is one of the free times of its week that
// the series' nearest times are chosen from (seriesJudge.nearestInWeek),
// read now.
func (b *Bookings) freeInWeek(ctx context.Context, r SeriesRule, t Therapist, s Service, at time.Time, now time.Time) (bool, error) {
	p := b.Practice
	ws := DateOf(at.In(p.Location)).WeekStart(p.FirstWeekday)
	lo, hi := b.busySpan(ws, ws.AddDays(6))
	all, _, err := b.Store.HoldReads(ctx, r.Client, false, []string{t.ID}, lo, hi, now)
	if err != nil {
		return false, err
	}
	j := b.judge(r, t, s, now)
	free := appendFreeSlots(nil, j.offer, t, s, ws, ws.AddDays(6), sortedBusy(all[0]), now)
	return slices.ContainsFunc(free, at.Equal), nil
}
