package tori

import (
	"context"
	"errors"
	"time"
)

// TakeSeries takes the series r at starts: one time for each occurrence of
// its plan (PlanSeries, in order), the planned start, another time the
// person chose instead (such as the nearest free time that week), or zero
// to skip that week. Every chosen time is checked against the rules that
// apply (a series the practice makes may go outside working hours or on a
// day off only with r.Anyway), then all are taken in one atomic step, or
// none: ECONFLICT with a *SeriesConflictError when any was taken since
// the plan (plan again). A series the client makes is held until the hold
// ends (ConfirmSeries books it; it counts as one of the client's holds,
// ELIMIT); one the practice makes is booked at once. msg is the chat
// message that shows it, or 0.
func (b *Bookings) TakeSeries(ctx context.Context, r SeriesRule, starts []time.Time, msg int) (Series, error) {
	t, s, err := b.seriesParts(r)
	if err != nil {
		return Series{}, err
	}
	now := b.now()
	if err := b.checkStarts(r, t, s, starts, now); err != nil {
		return Series{}, err
	}

	// What each occurrence is paid with.
	decided := ""
	if !r.ByPractice || !r.PayAtSession {
		if decided, err = b.Store.Prepay(ctx, r.Client.ID); err != nil {
			return Series{}, err
		}
	}
	payment, due, prepay, err := b.seriesPayment(ctx, r, s, decided)
	if err != nil {
		return Series{}, err
	}

	sr := Series{ID: NewSeriesID(t.ID), Rule: r, Status: StatusHeld, Token: RandomToken(12),
		HoldUntil: now.Add(b.Practice.Policy.HoldFor).UTC(), Next: len(starts), CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if r.ByPractice {
		sr.Status, sr.HoldUntil = StatusConfirmed, time.Time{}
	}
	if r.Count == 0 {
		sr.ExtendAt = b.extendAt(r, sr.Next)
	}
	base := sr.appointment(s, r.Client, now)
	base.Payment, base.Due, base.Prepay, base.Message = payment, due, prepay, msg

	occs := b.occurrences(&sr, base, starts, s, now)

	if err := b.Store.TakeSeries(ctx, sr, occs, b.Practice.Policy.MaxHoldsPerClient, now); err != nil {
		var e *SeriesConflictError
		if errors.As(err, &e) {
			b.Count("series", "conflict")
			return Series{}, withStarts(e, occs)
		}
		return Series{}, err
	}
	b.Count("series", "taken")
	if r.ByPractice && payment == PayNone {
		for range occs {
			b.Count("booking", "confirmed")
		}
	}
	return sr, nil
}

// occurrences are sr's appointments at starts (a zero start: a week
// missed), each as base, recorded in sr. A prepaid series stands at once:
// its weeks are paid one by one (the client's first now, as any hold),
// each released if unpaid by its deadline.
func (b *Bookings) occurrences(sr *Series, base Appointment, starts []time.Time, s Service, now time.Time) []Appointment {
	var occs []Appointment
	for k, st := range starts {
		if st.IsZero() {
			sr.Missed = append(sr.Missed, k)
			continue
		}
		a := base.at(st, k, s)
		if base.Payment != PayNone && (sr.Rule.ByPractice || len(occs) > 0) {
			a = b.awaitPayment(a, now)
		}
		occs = append(occs, a)
		sr.Taken = append(sr.Taken, SeriesEntry{Week: k, ID: a.ID})
	}
	if base.Payment != PayNone {
		sr.Status, sr.HoldUntil = StatusConfirmed, time.Time{}
	}
	return occs
}

// appointment is the appointment every occurrence of sr starts from:
// service s, client c, held under the series' token (or booked at once).
func (sr Series) appointment(s Service, c Client, now time.Time) Appointment {
	a := Appointment{
		TherapistID: sr.Rule.TherapistID, ServiceID: s.ID, Client: c, Buffer: s.BufferAfter,
		Status: StatusHeld, HoldToken: sr.Token, HoldUntil: sr.HoldUntil, Price: s.Price,
		Payment: PayNone, Due: Money{Currency: s.Price.Currency}, Remote: s.Remote,
		Series: sr.ID, ByPractice: sr.Rule.ByPractice, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	if sr.HoldUntil.IsZero() {
		a.Status, a.RemindFrom = StatusConfirmed, now.UTC()
	}
	return a
}

// at is a (an occurrence's base) as week k's session at st: an
// appointment of its own.
func (a Appointment) at(st time.Time, k int, s Service) Appointment {
	a.ID = NewAppointmentID(a.TherapistID)
	a.Start, a.End = st.UTC(), st.Add(s.Duration).UTC()
	a.SeriesN = k
	return a
}

// withStarts fills the starts of the occurrences a SeriesConflictError
// names, from the occurrences that were being taken.
func withStarts(e *SeriesConflictError, occs []Appointment) error {
	for i, w := range e.Weeks {
		for _, a := range occs {
			if a.SeriesN == w.Week {
				e.Weeks[i].Start, e.Weeks[i].End = a.Start, a.End
			}
		}
		e.Weeks[i].Conflict = blockerReason(w.Blocker)
	}
	return e
}

// checkStarts checks the times chosen for r: one per planned occurrence,
// at least one taken, in time order and apart, each allowed by the rules
// that apply to who makes the series.
func (b *Bookings) checkStarts(r SeriesRule, t Therapist, s Service, starts []time.Time, now time.Time) error {
	n := len(starts)
	if r.Count > 0 && n != r.Count || r.Count == 0 && (n < 1 || n > b.Practice.Series.MaxOccurrences) {
		return Errorf(EINVALID, "The series has changed since it was shown. Look at it again.")
	}
	j := b.judge(r, t, s, now)
	loc := b.Practice.Location
	var free time.Time // the previous session's block end
	taken := 0
	for _, st := range starts {
		if st.IsZero() {
			continue
		}
		when := st.In(loc).Format("Monday 2 January 2006, 15:04")
		if st.Before(free) {
			return Errorf(EINVALID, "The session on %s is too close to the one before it. Choose another time.", when)
		}
		free = st.Add(s.Duration + s.BufferAfter)
		conflict, warn := j.rules(st, false)
		if conflict != "" {
			return Errorf(EINVALID, "The session on %s cannot be booked: %s. Choose another time or skip it.", when, conflict.words())
		}
		if warn != "" && !r.Anyway {
			return Errorf(EINVALID, "The session on %s is outside the working hours or on a day off. Confirm to book it anyway.", when)
		}
		taken++
	}
	if taken == 0 {
		return Errorf(EINVALID, "Every session of the series is skipped. Choose at least one.")
	}
	return nil
}

// Series returns the series id (for the practice and the worker: it
// does not check whose it is).
func (b *Bookings) Series(ctx context.Context, id string) (Series, error) {
	return b.Store.Series(ctx, id)
}

// OwnSeries returns the client's series id, with its client; ENOTFOUND
// when it does not exist or is someone else's (the two are not told
// apart).
func (b *Bookings) OwnSeries(ctx context.Context, c Client, id string) (Series, error) {
	sr, err := b.Store.Series(ctx, id)
	if err != nil {
		return Series{}, err
	}
	for _, e := range sr.Taken {
		a, err := b.Store.Appointment(ctx, e.ID)
		if ErrorCode(err) == ENOTFOUND {
			continue // a hold's record gone: the next says whose it is
		}
		if err != nil {
			return Series{}, err
		}
		if a.Client.ID == c.ID {
			sr.Rule.Client = a.Client
			return sr, nil
		}
		break
	}
	return Series{}, Errorf(ENOTFOUND, "That series was not found. Open your bookings to see them all.")
}

// ConfirmSeries books the client's held series id: every occurrence at
// once, or none (EEXPIRED when its hold ran out: plan and take it again).
// A second press finds it booked. ENOTFOUND for another client's series.
func (b *Bookings) ConfirmSeries(ctx context.Context, c Client, id string) (Series, error) {
	sr, err := b.Store.Series(ctx, id)
	if err != nil {
		return Series{}, err
	}
	switch sr.Status {
	case StatusHeld, StatusConfirmed: // confirmed: a second press, once the store has checked the client
	default:
		return Series{}, Errorf(EEXPIRED, "These times are no longer held for you. Choose the series again.")
	}
	if err := b.Store.ConfirmSeries(ctx, sr, c.ID, b.now()); err != nil {
		return Series{}, err
	}
	if sr.Status == StatusHeld {
		b.Count("series", "confirmed")
		for range sr.Taken {
			b.Count("booking", "confirmed")
		}
	}
	sr.Status = StatusConfirmed
	return sr, nil
}

// ReleaseSeries lets go of the client's held series id; the times it held
// go to the waitlist. Releasing twice, or a series already booked,
// changes nothing.
func (b *Bookings) ReleaseSeries(ctx context.Context, c Client, id string) error {
	sr, err := b.Store.Series(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	freed, err := b.Store.ReleaseSeries(ctx, sr, c.ID, b.now())
	if err != nil {
		return err
	}
	if len(freed) > 0 {
		b.Count("series", "released")
	}
	for _, iv := range freed {
		a := Appointment{ID: iv.ID, TherapistID: sr.Rule.TherapistID, Start: iv.Start, End: iv.End}
		b.afterFreeing("release series", b.FreedAppointment(ctx, a))
	}
	return nil
}
