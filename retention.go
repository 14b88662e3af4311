package tori

import (
	"context"
	"fmt"
)

// Retained is what one retention pass did. Forgotten counts clients idle
// longer than privacy.keep_personal with nothing kept (ForgetIdle).
type Retained struct {
	Anonymised, Removed, Forgotten int
}

// Retain runs one retention pass over a therapist's appointments, at most
// n of each kind; a full batch means there may be more. An appointment's
// personal details (who the client was, the practice's notes) go
// privacy.keep_personal after it ended; what remains of one that involved
// money (amounts, dates, PayPal ids) goes privacy.keep_money_records after
// its last money movement. Each step is a compare-and-set in storage, so
// any number of workers may run it.
func (p *Privacy) Retain(ctx context.Context, therapistID string, n int) (Retained, error) {
	var r Retained
	now := p.now()
	pol := p.Policy()

	cutoff := pol.KeepPersonal.Before(now)
	ids, err := p.Store.KeptBefore(ctx, therapistID, cutoff, n)
	if err != nil {
		return r, err
	}
	for _, id := range ids {
		done, err := p.Store.Anonymise(ctx, id, cutoff, now)
		if err != nil {
			return r, err
		}
		if done {
			r.Anonymised++
		}
	}

	cutoff = pol.KeepMoney.Before(now)
	if ids, err = p.Store.MoneyBefore(ctx, therapistID, cutoff, n); err != nil {
		return r, err
	}
	for _, id := range ids {
		done, err := p.Store.RemoveMoneyRecord(ctx, id, cutoff)
		if err != nil {
			return r, err
		}
		if done {
			r.Removed++
		}
	}
	p.count("anonymised", r.Anonymised)
	p.count("removed", r.Removed)
	return r, nil
}

// RetainAll runs a retention pass over every therapist's appointments (at
// most n of each kind each), after putting older data in reach once, and
// then forgets up to n idle clients (ForgetIdle).
func (p *Privacy) RetainAll(ctx context.Context, n int) (Retained, error) {
	var all Retained
	if _, err := p.Store.BackfillKept(ctx); err != nil {
		return all, err
	}
	if _, err := p.Store.BackfillClients(ctx, p.now()); err != nil {
		return all, err
	}
	for _, t := range p.Practice.Therapists {
		r, err := p.Retain(ctx, t.ID, n)
		all.Anonymised += r.Anonymised
		all.Removed += r.Removed
		if err != nil {
			return all, fmt.Errorf("retention of %s: %w", t.ID, err)
		}
	}
	var err error
	all.Forgotten, err = p.forgetIdle(ctx, n)
	return all, err
}

// forgetIdle forgets up to n clients idle longer than keep_personal who
// have nothing kept; a client who has is looked at again a period later.
func (p *Privacy) forgetIdle(ctx context.Context, n int) (int, error) {
	now := p.now()
	cutoff := p.Policy().KeepPersonal.Before(now)
	ids, err := p.Store.IdleClients(ctx, cutoff, n)
	if err != nil {
		return 0, err
	}
	return p.forgetEach(ids, "retention of an idle client", func(id int64) (bool, error) {
		return p.Store.ForgetIdle(ctx, id, cutoff, now)
	})
}

// FinishForgets finishes forgettings of clients that a process left
// midway (it died, or Redis failed it), at most n, and returns how many
// clients it forgot. Their steps are idempotent, so one still running
// elsewhere is not harmed; any worker may run it at any time.
func (p *Privacy) FinishForgets(ctx context.Context, n int) (int, error) {
	ids, err := p.Store.ForgetsUnderWay(ctx, n)
	if err != nil {
		return 0, err
	}
	return p.forgetEach(ids, "retention: finishing a forgetting", func(id int64) (bool, error) {
		return p.Store.FinishForget(ctx, id, p.now())
	})
}

// forgetEach runs forget on each client, and counts those forgotten.
func (p *Privacy) forgetEach(ids []int64, what string, forget func(int64) (bool, error)) (int, error) {
	forgotten := 0
	defer func() { p.count("forgotten", forgotten) }()
	for _, id := range ids {
		done, err := forget(id)
		if err != nil {
			return forgotten, fmt.Errorf("%s: %w", what, err)
		}
		if done {
			forgotten++
		}
	}
	return forgotten, nil
}
