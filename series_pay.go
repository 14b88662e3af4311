package tori

import (
	"context"
	"time"
)

// FirstRefundBoundary is the notice below which a cancellation no longer
// refunds in full: the longest tier's notice (zero without tiers).
func (p Policy) FirstRefundBoundary() time.Duration {
	if len(p.Tiers) == 0 {
		return 0
	}
	return p.Tiers[0].MinNotice
}

// SeriesPayBy is when a prepaid occurrence of a series starting at start
// must be paid by: the first refund boundary before its start, so that an
// unpaid time is released while it can still be offered to others; never
// sooner than a hold's length after now.
func (p *Practice) SeriesPayBy(start, now time.Time) time.Time {
	payBy := start.Add(-p.Policy.FirstRefundBoundary())
	if soonest := now.Add(p.Policy.HoldFor); payBy.Before(soonest) {
		payBy = soonest
	}
	return payBy.UTC()
}

// PayReminderAt is when the pay reminder of a, a booking awaiting its
// payment by a.PayBy, is due: series.pay_before before its start, or a day
// before its deadline when that is earlier, so that the client has a day
// to pay. A time already past means at once.
func (p *Practice) PayReminderAt(a Appointment) time.Time {
	at := a.Start.Add(-p.Series.PayBefore)
	if dayBefore := a.PayBy.Add(-24 * time.Hour); dayBefore.Before(at) {
		at = dayBefore
	}
	return at
}

// awaitPayment makes a, an occurrence of a prepaid series, a hold awaiting
// its payment until its deadline (SeriesPayBy): paid like any hold,
// released (and both sides told) if unpaid by then.
func (b *Bookings) awaitPayment(a Appointment, now time.Time) Appointment {
	a.PayBy = b.Practice.SeriesPayBy(a.Start, now)
	a.Status, a.HoldUntil, a.RemindFrom = StatusHeld, a.PayBy, time.Time{}
	return a
}

// paidNowFirst reports whether a is the occurrence of a client's prepaid
// series paid when it was taken (an ordinary hold; the later ones await
// their payment by their deadlines).
func paidNowFirst(a Appointment) bool {
	return a.Series != "" && a.Payment != PayNone && a.PayBy.IsZero() && !a.ByPractice
}

// DropUnpaidSeries lets go of the later occurrences of a client's prepaid
// series whose first occurrence a, to be paid when the series was taken,
// ended unpaid (its hold ran out, or the client let it go): the series
// was never booked, so its weeks awaiting their payment are freed for the
// waitlist rather than kept until each deadline. Nothing happens for any
// other appointment, or once a was paid; an occurrence being paid stays.
// Calling it again changes nothing more. It returns how many were let go.
func (b *Bookings) DropUnpaidSeries(ctx context.Context, a Appointment) (int, error) {
	if !paidNowFirst(a) || a.Status == StatusHeld || a.Booked() || a.PayState == PayStatePaid || a.PayState.Mismatched() {
		return 0, nil
	}
	sr, err := b.Store.Series(ctx, a.Series)
	if ErrorCode(err) == ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}

	dropped := 0
	for _, e := range sr.Taken {
		ok, err := b.dropUnpaid(ctx, e.ID, a.HoldToken)
		if err != nil {
			return dropped, err
		}
		if ok {
			dropped++
		}
	}
	if dropped > 0 {
		b.Count("series", "unpaid")
	}
	return dropped, nil
}

// dropUnpaid lets go of occurrence id if it still awaits its payment
// under token, and offers its time to the waitlist; one being paid stays
// (and books if paid).
func (b *Bookings) dropUnpaid(ctx context.Context, id, token string) (bool, error) {
	o, err := b.Store.Appointment(ctx, id)
	if ErrorCode(err) == ENOTFOUND || err == nil && (o.PayBy.IsZero() || o.Status != StatusHeld || o.HoldToken != token) {
		return false, nil
	}
	if err != nil {
		return false, err
	}

	b.fault("series.drop_unpaid")
	if err := b.Store.Release(ctx, o.ID, o.HoldToken, b.now()); err != nil {
		if ErrorCode(err) == EUNAVAILABLE { // being paid
			return false, nil
		}
		return false, err
	}
	b.afterFreeing("drop unpaid series", b.FreedAppointment(ctx, o))
	return true, nil
}

// ToPay returns the client's bookings awaiting their payment whose
// deadline has not passed, in time order: /my lists each with its
// deadline and a pay button.
func (b *Bookings) ToPay(ctx context.Context, c Client) ([]Appointment, error) {
	return b.clientsWhere(ctx, c, Appointment.AwaitingPayment)
}

// AwaitingPayment reports whether a is a booking awaiting its payment
// whose deadline has not passed at now.
func (a Appointment) AwaitingPayment(now time.Time) bool {
	return a.Status == StatusHeld && !a.PayBy.IsZero() && now.Before(a.HoldUntil)
}

// PayDueStore turns bookings into holds awaiting their payment.
// storage.Store satisfies it.
type PayDueStore interface {
	// AwaitPayment turns as, the client's confirmed sessions with
	// therapistID paid at the session, into holds awaiting their payment
	// by each one's PayBy, prepaid in full (Due), in one atomic step; it
	// returns those turned now (a retry, or one cancelled meanwhile, is
	// left as it is).
	AwaitPayment(ctx context.Context, therapistID string, as []Appointment, now time.Time) ([]string, error)
}

// PrepayRest makes the client, once a repeat offender (the prepayment
// rule), pay the rest of their series in advance like any booking: every
// upcoming session of a series of theirs paid at the session becomes a
// hold awaiting its payment by its own deadline (SeriesPayBy), released if
// unpaid; one step per therapist, and calling it again changes nothing.
// It returns how many were turned now. A client the practice exempted, or
// a store that cannot, changes nothing.
func (b *Bookings) PrepayRest(ctx context.Context, c Client) (int, error) {
	st, ok := b.Store.(PayDueStore)
	if !ok || c.ID == 0 {
		return 0, nil
	}
	if decided, err := b.Store.Prepay(ctx, c.ID); err != nil || decided == PrepayExempt {
		return 0, err
	}
	if repeat, _, err := b.mustPrepay(ctx, c); err != nil || !repeat {
		return 0, err
	}
	up, err := b.Upcoming(ctx, c)
	if err != nil {
		return 0, err
	}

	now := b.now()
	by := map[string][]Appointment{}
	for _, a := range up {
		if a.Series == "" || a.Payment != PayNone || a.ByPractice {
			continue
		}
		a.PayBy, a.Due = b.Practice.SeriesPayBy(a.Start, now), a.Price
		by[a.TherapistID] = append(by[a.TherapistID], a)
	}
	turned := 0
	for tid, as := range by {
		ids, err := st.AwaitPayment(ctx, tid, as, now)
		if err != nil {
			return turned, err
		}
		turned += len(ids)
	}
	if turned > 0 {
		b.Count("series", "prepay_rest")
	}
	return turned, nil
}
