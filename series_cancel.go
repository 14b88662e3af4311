package tori

import (
	"context"
	"hash/fnv"
	"strconv"
)

// SeriesCancelQuote is what cancelling the client's sessions of a series
// from one of them on would give now: each booked session that has not
// started, in time order (the chosen one first), with its terms. At most
// one late cancellation is forgiven, the first, as cancelling them one by
// one would.
type SeriesCancelQuote struct {
	Sessions []Appointment
	Terms    []CancelTerms
}

// Refund is what comes back in all of what was paid.
func (q SeriesCancelQuote) Refund() Money {
	var sum Money
	for i, t := range q.Terms {
		sum = plus(sum, q.Sessions[i].Price.Currency, t.Refund.Amount)
	}
	return sum
}

// Charge is what the policy charges in all for the sessions paid at the
// session (the price less the tier's percent), as a single cancellation
// states it.
func (q SeriesCancelQuote) Charge() Money {
	var sum Money
	for i, a := range q.Sessions {
		sum = plus(sum, a.Price.Currency, q.ChargeOf(i).Amount)
	}
	return sum
}

// ChargeOf is what the policy charges for session i (zero for one paid
// in advance: its terms say what comes back).
func (q SeriesCancelQuote) ChargeOf(i int) Money {
	a := q.Sessions[i]
	if a.Paid.Amount > 0 {
		return Money{Currency: a.Price.Currency}
	}
	return a.Price.Percent(100 - q.Terms[i].Tier.Percent)
}

// Paid is what was paid in all for the sessions.
func (q SeriesCancelQuote) Paid() Money {
	var sum Money
	for _, a := range q.Sessions {
		sum = plus(sum, a.Price.Currency, a.Paid.Amount)
	}
	return sum
}

// plus adds amount to sum, in currency (a series' sessions share one).
func plus(sum Money, currency string, amount int64) Money {
	return Money{Amount: sum.Amount + amount, Currency: currency}
}

// Stamp names the quote: its sessions and the terms of each. A
// cancellation made on a quote whose stamp has changed since it was shown
// is refused (CancelSeriesFrom).
func (q SeriesCancelQuote) Stamp() string {
	h := fnv.New32a()
	for i, a := range q.Sessions {
		t := q.Terms[i]
		_, _ = h.Write([]byte(a.ID + " " + strconv.Itoa(t.Tier.Percent) + " " + strconv.FormatBool(t.Forgiven) + "\n"))
	}
	return strconv.FormatUint(uint64(h.Sum32()&(1<<30-1)), 36)
}

// QuoteCancelSeriesFrom tells what cancelling the client's booking id, an
// occurrence of a series, and every later booked session of that series
// would give now, without cancelling. ENOTFOUND for another client's
// booking; EINVALID for one of no series; ECONFLICT when nothing from it
// on can be cancelled any more (cancelled already, or started).
func (b *Bookings) QuoteCancelSeriesFrom(ctx context.Context, c Client, id string) (SeriesCancelQuote, error) {
	a, err := b.Own(ctx, c, id)
	if err != nil {
		return SeriesCancelQuote{}, err
	}
	if a.Series == "" {
		return SeriesCancelQuote{}, Errorf(EINVALID, "This booking is not part of a series.")
	}

	// The client's sessions of the series from a on, still to come.
	now := b.now()
	all, err := b.Store.ClientAppointments(ctx, c.ID, now)
	if err != nil {
		return SeriesCancelQuote{}, err
	}
	var q SeriesCancelQuote
	for _, s := range all {
		if s.Series == a.Series && !s.Start.Before(a.Start) && s.Status == StatusConfirmed && s.CancelByClient(now) == nil {
			q.Sessions = append(q.Sessions, s)
		}
	}
	if len(q.Sessions) == 0 {
		return SeriesCancelQuote{}, Errorf(ECONFLICT, "These sessions can no longer be cancelled here; they have already started, ended or been cancelled.")
	}

	// Their terms: the first late one may be forgiven, no other.
	forgiving := false
	for _, s := range q.Sessions {
		t := b.terms(s, now, false)
		if t.Late && !forgiving {
			forgiving = true
			forgive, err := b.canForgive(ctx, s)
			if err != nil {
				return SeriesCancelQuote{}, err
			}
			t = b.terms(s, now, forgive)
		}
		q.Terms = append(q.Terms, t)
	}
	return q, nil
}

// SeriesCancelled is one session CancelSeriesFrom cancelled: as it is
// now, on what terms, and whether this call cancelled it (fresh) or it
// was cancelled already.
type SeriesCancelled struct {
	Appointment Appointment
	Terms       CancelTerms
	Fresh       bool
}

// CancelSeriesFrom ends the series (endSeriesFrom) and cancels the
// sessions QuoteCancelSeriesFrom quoted for the client's booking id, on
// the terms shown (stamp, the quote's Stamp): each one through Cancel, in time order, so each is cancelled once, its
// refund recorded and issued once, and a late one counted (or forgiven)
// as a single cancellation would be. A stamp that no longer matches
// cancels nothing and returns EEXPIRED with the quote as it is now. When
// one cannot be cancelled on its terms (a boundary of the policy passed
// meanwhile), those before it stay cancelled and are returned with the
// error. Errors as QuoteCancelSeriesFrom's.
func (b *Bookings) CancelSeriesFrom(ctx context.Context, c Client, id, stamp string) ([]SeriesCancelled, SeriesCancelQuote, error) {
	q, err := b.QuoteCancelSeriesFrom(ctx, c, id)
	if err != nil {
		return nil, q, err
	}
	if q.Stamp() != stamp {
		return nil, q, Errorf(EEXPIRED, "The cancellation terms changed since they were shown.")
	}

	// The series ends first (see PracticeCancelSeriesFrom).
	if err := b.endSeriesFrom(ctx, q.Sessions[0], StatusCancelledByClient); err != nil {
		return nil, q, err
	}
	var done []SeriesCancelled
	for i, s := range q.Sessions {
		a, t, fresh, err := b.Cancel(ctx, c, s.ID, q.Terms[i].Tier.Percent)
		if err != nil {
			return done, q, err
		}
		done = append(done, SeriesCancelled{Appointment: a, Terms: t, Fresh: fresh})
	}
	b.Count("series", "cancelled_from")
	return done, q, nil
}

// SeriesCancelledBefore reports whether the client's booking id, of a
// series, was cancelled by the client (for a second press of "cancel
// this and all later ones", which finds nothing left to cancel).
func (b *Bookings) SeriesCancelledBefore(ctx context.Context, c Client, id string) (bool, error) {
	a, err := b.Own(ctx, c, id)
	if err != nil {
		return false, err
	}
	return a.Series != "" && a.Status == StatusCancelledByClient, nil
}
