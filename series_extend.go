package tori

import (
	"context"
	"time"
)

// extendTries is how many times ExtendSeries plans again when the times it
// planned were taken before its step (or another step extended the series).
const extendTries = 3

// ExtendSeries books the next weeks of the open-ended series id, up to
// Practice.Series.Ahead after now, through the same atomic step as
// TakeSeries (booked at once, as the practice made it). A week it cannot
// book is left out and returned with its reason and the nearest free time
// that week, for both sides to be told: a booking, a hold or time off
// there, a day off, a wall time the clocks skip, or a time outside
// working hours the practice did not book anyway (SeriesRule.Anyway).
// next is when the series is due to book ahead again; zero when it no
// longer books (not open-ended, not booked, or its client erased). A
// series whose weeks are booked already books nothing.
func (b *Bookings) ExtendSeries(ctx context.Context, id string, now time.Time) (missed []Occurrence, next time.Time, err error) {
	for try := 0; ; try++ {
		sr, err := b.Store.Series(ctx, id)
		if err != nil {
			return nil, time.Time{}, err
		}
		if sr.Status != StatusConfirmed || sr.Rule.Count != 0 {
			return nil, time.Time{}, nil
		}
		to := b.openWeeks(sr.Rule, sr.Next, now)
		if to == sr.Next {
			return nil, b.extendAt(sr.Rule, to), nil
		}
		base, ok, err := b.seriesBase(ctx, sr)
		if err != nil || !ok {
			return nil, time.Time{}, err
		}

		missed, err = b.extend(ctx, sr, base, to, now)
		if ErrorCode(err) == ECONFLICT && try+1 < extendTries {
			continue // taken after the read, or extended meanwhile: read again
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		for range missed {
			b.Count("series_gap", "missed")
		}
		return missed, b.extendAt(sr.Rule, to), nil
	}
}

// extend plans weeks sr.Next..to-1 of sr and books those it can, as base.
func (b *Bookings) extend(ctx context.Context, sr Series, base Appointment, to int, now time.Time) ([]Occurrence, error) {
	r := sr.Rule
	r.Client = Client{ID: base.Client.ID} // the worker's read records no activity of the client's
	t, s, err := b.seriesParts(r)
	if err != nil {
		return nil, err
	}
	occ, _, err := b.planWeeks(ctx, r, t, s, sr.Next, to, now)
	if err != nil {
		return nil, err
	}

	from := sr.Next
	sr.Next, sr.ExtendAt, sr.UpdatedAt = to, b.extendAt(r, to), now.UTC()
	sr.Taken, sr.Missed = nil, nil // this step's own: the store appends them
	var missed []Occurrence
	var occs []Appointment
	for _, o := range occ {
		if o.Conflict != "" || o.Warn == ReasonDayOff || o.Warn == ReasonHoliday || o.Warn != "" && !r.Anyway {
			missed = append(missed, o)
			sr.Missed = append(sr.Missed, o.Week)
			continue
		}
		a := base.at(o.Start, o.Week, s)
		if a.Payment != PayNone {
			a = b.awaitPayment(a, now)
		}
		occs = append(occs, a)
		sr.Taken = append(sr.Taken, SeriesEntry{Week: o.Week, ID: a.ID})
	}
	return missed, b.Store.ExtendSeries(ctx, sr, from, occs, now)
}

// seriesBase is what the next occurrences of sr are booked as: its latest
// occurrence's client and payment terms, under the current service. ok is
// false when no occurrence names its client any more (erased).
func (b *Bookings) seriesBase(ctx context.Context, sr Series) (Appointment, bool, error) {
	s, err := b.service(sr.Rule.ServiceID)
	if err != nil {
		return Appointment{}, false, err
	}
	now := b.now()
	for i := len(sr.Taken) - 1; i >= 0 && i >= len(sr.Taken)-5; i-- {
		a, err := b.Store.Appointment(ctx, sr.Taken[i].ID)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return Appointment{}, false, err
		}
		if a.Client.ID == 0 {
			return Appointment{}, false, nil
		}
		base := sr.appointment(s, a.Client, now)
		base.Payment, base.Due, base.Prepay = a.Payment, a.Due, a.Prepay
		return base, true, nil
	}
	return Appointment{}, false, nil
}
