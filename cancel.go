package tori

import (
	"context"
	"time"
)

// CancelTerms is what cancelling a booking gives under the policy.
type CancelTerms struct {
	Notice   time.Duration // how long before the start
	Tier     RefundTier    // the tier that applies (before forgiveness)
	Late     bool          // with less notice than the best tier asks
	Forgiven bool          // a late cancellation forgiven once: full refund
	Refund   Money         // what comes back of what was paid
}

// terms computes the cancellation terms of a at now; forgiven says whether
// the one-time forgiveness applies.
func (b *Bookings) terms(a Appointment, now time.Time, forgiven bool) CancelTerms {
	p := b.Practice.Policy
	refund, tier := p.Refund(a.Paid, a.Start, now)
	t := CancelTerms{Notice: a.Start.Sub(now), Tier: tier, Late: p.Late(a.Start, now), Refund: refund}
	if t.Late && forgiven {
		t.Forgiven, t.Refund = true, a.Paid
	}
	return t
}

// canForgive reports whether the client's late cancellation of a would be
// forgiven: the policy forgives a first one, and the client has not used it
// (or used it on this very appointment).
func (b *Bookings) canForgive(ctx context.Context, a Appointment) (bool, error) {
	if !b.Practice.Policy.ForgiveFirstLate {
		return false, nil
	}
	used, err := b.Store.Forgiveness(ctx, a.Client.ID)
	return used == "" || used == a.ID, err
}

// TermsNow is what cancelling a would give now (forgiveness not counted:
// it is decided when cancelling).
func (b *Bookings) TermsNow(a Appointment) CancelTerms { return b.terms(a, b.now(), false) }

// QuoteCancel tells what cancelling the client's booking now would give,
// without cancelling.
func (b *Bookings) QuoteCancel(ctx context.Context, c Client, id string) (Appointment, CancelTerms, error) {
	a, err := b.Own(ctx, c, id)
	if err != nil {
		return Appointment{}, CancelTerms{}, err
	}

	now := b.now()
	if check := a; check.CancelByClient(now) != nil || a.Status != StatusConfirmed {
		return Appointment{}, CancelTerms{}, Errorf(ECONFLICT, "This booking can no longer be cancelled here; it has already started, ended or been cancelled.")
	}

	forgive, err := b.canForgive(ctx, a)
	if err != nil {
		return Appointment{}, CancelTerms{}, err
	}
	return a, b.terms(a, now, forgive), nil
}

// Cancel cancels the client's booking: the time is freed at once, the
// refund the policy gives is recorded as pending and issued (a refusal or
// a timeout leaves it pending for a retry, never lost, never doubled), and
// a late cancellation counts toward the repeat-offender rule unless
// forgiven. fresh is false when the booking was already cancelled (a second
// press, or two at once): nobody is told twice. quoted is the refund tier
// percent the client was shown (-1: none); if the time has crossed into
// another tier since, nothing is cancelled and EEXPIRED says to quote again.
func (b *Bookings) Cancel(ctx context.Context, c Client, id string, quoted int) (a Appointment, t CancelTerms, fresh bool, err error) {
	a, t, err = b.QuoteCancel(ctx, c, id)
	if err != nil {
		return Appointment{}, CancelTerms{}, false, err
	}
	if quoted >= 0 && quoted != t.Tier.Percent {
		return a, t, false, Errorf(EEXPIRED, "The cancellation terms changed since they were shown.")
	}

	// The first late cancellation forgiven is claimed once.
	if t.Forgiven {
		ok, err := b.Store.ClaimForgiveness(ctx, c.ID, a.ID)
		if err != nil {
			return Appointment{}, CancelTerms{}, false, err
		}
		if !ok { // used meanwhile by another cancellation
			t = b.terms(a, b.now(), false)
		}
	}

	a, fresh, err = b.Store.CancelWithRefund(ctx, a.ID, StatusCancelledByClient, t.Refund, t.Forgiven, b.now())
	if err != nil {
		return Appointment{}, CancelTerms{}, false, err
	}

	// What follows a cancellation made now: the waitlist, a strike for a late one, the refund.
	if fresh {
		b.Count("booking", "cancelled_client")
		b.afterFreeing("cancel", b.FreedAppointment(ctx, a))
	}
	if fresh && t.Late && !t.Forgiven {
		if err := b.strike(ctx, c, a.ID); err != nil {
			return a, t, fresh, err
		}
	}

	// The refund is tried at once; the worker retries what fails.
	if a.RefundState == RefundPending {
		if r, _ := b.IssueRefund(ctx, a.ID); r.ID != "" {
			a = r // refunded, or still pending with the attempt counted
		}
	}
	return a, t, fresh, nil
}

// CancelByPractice cancels a booking on the practice's side: always a
// full refund of what was paid. fresh as in Cancel.
func (b *Bookings) CancelByPractice(ctx context.Context, id string) (Appointment, bool, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil {
		return Appointment{}, false, err
	}
	if a.Status == StatusCancelledByPractice {
		return a, false, nil
	}
	if check := a; check.CancelByPractice(b.now()) != nil || a.Status != StatusConfirmed {
		return a, false, Errorf(ECONFLICT, "This booking is %s, or has already started, and cannot be cancelled.", a.Status)
	}

	a, fresh, err := b.Store.CancelWithRefund(ctx, id, StatusCancelledByPractice, a.Paid, false, b.now())
	if err != nil {
		return Appointment{}, false, err
	}

	if fresh {
		b.Count("booking", "cancelled_practice")
		b.afterFreeing("cancel", b.FreedAppointment(ctx, a))
	}

	if a.RefundState == RefundPending {
		if r, _ := b.IssueRefund(ctx, a.ID); r.ID != "" {
			a = r // refunded, or still pending with the attempt counted
		}
	}
	return a, fresh, nil
}

// MarkNoShow records that the client did not come: no refund, and a strike
// toward the repeat-offender rule.
func (b *Bookings) MarkNoShow(ctx context.Context, id string) (Appointment, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	if check := a; a.Status != StatusNoShow {
		if err := check.MarkNoShow(b.now()); err != nil {
			return Appointment{}, err
		}
	}

	fresh := a.Status != StatusNoShow
	if a, err = b.Store.MarkNoShow(ctx, id, b.now()); err != nil {
		return Appointment{}, err
	}
	if fresh {
		b.Count("booking", "no_show")
	}

	if a.Client.ID == 0 { // the client's data was erased: nobody to count it against
		return a, nil
	}
	return a, b.strike(ctx, a.Client, a.ID)
}

// strike records a late cancellation or no-show of c's (appointment id);
// one that makes them a repeat offender has the rest of their series
// prepaid (PrepayRest).
func (b *Bookings) strike(ctx context.Context, c Client, id string) error {
	if err := b.Store.AddStrike(ctx, c.ID, id, b.now()); err != nil {
		return err
	}
	_, err := b.PrepayRest(ctx, c)
	return err
}
