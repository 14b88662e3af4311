package tori

import (
	"context"
	"time"
)

// QuotePracticeCancelSeriesFrom tells what the practice cancelling booking
// id, an occurrence of a series, and every later booked session of that
// series would give now: each session not started, in time order (id's
// first), refunded in full as any practice cancellation is. EINVALID for
// a booking of no series; ECONFLICT when nothing from it on can be
// cancelled any more.
func (b *Bookings) QuotePracticeCancelSeriesFrom(ctx context.Context, id string) (SeriesCancelQuote, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil {
		return SeriesCancelQuote{}, err
	}
	if a.Series == "" {
		return SeriesCancelQuote{}, Errorf(EINVALID, "This booking is not part of a series.")
	}

	// The series' sessions from a on, still to come: the client's, as
	// their index holds them.
	now := b.now()
	var q SeriesCancelQuote
	if a.Client.ID != 0 {
		all, err := b.Store.ClientAppointments(ctx, a.Client.ID, now)
		if err != nil {
			return SeriesCancelQuote{}, err
		}
		for _, s := range all {
			if s.Series == a.Series && !s.Start.Before(a.Start) && s.Status == StatusConfirmed && s.CancelByPractice(now) == nil {
				q.Sessions = append(q.Sessions, s)
				q.Terms = append(q.Terms, practiceTerms(s, now))
			}
		}
	}
	if len(q.Sessions) == 0 {
		return SeriesCancelQuote{}, Errorf(ECONFLICT, "These sessions can no longer be cancelled; they have already started, ended or been cancelled.")
	}
	return q, nil
}

// practiceTerms are the terms of a practice cancellation of a at now:
// everything paid comes back.
func practiceTerms(a Appointment, now time.Time) CancelTerms {
	return CancelTerms{Notice: a.Start.Sub(now), Tier: RefundTier{Percent: 100}, Refund: a.Paid}
}

// PracticeCancelSeriesFrom ends the series of booking id (endSeriesFrom)
// and cancels, as the practice, the sessions
// QuotePracticeCancelSeriesFrom quotes for it, as shown (stamp, the
// quote's Stamp): each through CancelByPractice, in time order, so
// each is refunded in full once and its time offered to the waitlist as
// any freed time is. A stamp that no longer matches cancels nothing and
// returns EEXPIRED with the quote as it is now; one that cannot be
// cancelled (started meanwhile) stops there, those before it returned.
func (b *Bookings) PracticeCancelSeriesFrom(ctx context.Context, id, stamp string) ([]SeriesCancelled, SeriesCancelQuote, error) {
	q, err := b.QuotePracticeCancelSeriesFrom(ctx, id)
	if err != nil {
		return nil, q, err
	}
	if q.Stamp() != stamp {
		return nil, q, Errorf(EEXPIRED, "The sessions changed since they were shown.")
	}

	// The series ends first, so that a process dying midway leaves no
	// series booking more weeks; pressing again cancels the rest.
	if err := b.endSeriesFrom(ctx, q.Sessions[0], StatusCancelledByPractice); err != nil {
		return nil, q, err
	}
	var done []SeriesCancelled
	for i, s := range q.Sessions {
		a, fresh, err := b.CancelByPractice(ctx, s.ID)
		if err != nil {
			return done, q, err
		}
		done = append(done, SeriesCancelled{Appointment: a, Terms: q.Terms[i], Fresh: fresh})
	}
	b.Count("series", "cancelled_from_practice")
	return done, q, nil
}

// endSeriesFrom ends the series of a, whose sessions from a on are being
// cancelled (with status): it books no more, and its record goes with
// the personal details of its last session left, privacy.keep_personal
// after a.
func (b *Bookings) endSeriesFrom(ctx context.Context, a Appointment, status Status) error {
	keep := b.Practice.Privacy.KeepPersonal
	until := a.End.AddDate(keep.Years, keep.Months, keep.Days)
	err := b.Store.EndSeries(ctx, a.Series, status, until, b.now())
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	return err
}
