package tori

import (
	"sort"
	"time"
)

// RefundTier gives back Percent of what was paid when a client cancels at
// least MinNotice before the session starts.
type RefundTier struct {
	MinNotice time.Duration
	Percent   int
}

// Policy is the practice's booking and cancellation policy.
type Policy struct {
	// Tiers, from the longest notice to the shortest. A cancellation with
	// less notice than every tier's MinNotice refunds nothing.
	Tiers []RefundTier
	// MinNotice is how long before a session it can still be booked.
	MinNotice time.Duration
	// MaxDaysAhead is the booking horizon in days, counted from today.
	MaxDaysAhead int
	// SlotStep is the spacing of offered start times within working hours.
	SlotStep time.Duration
	// HoldFor is how long a chosen time is held before it must be confirmed.
	HoldFor time.Duration
	// RescheduleMinNotice is how long before a session a client may still move it.
	RescheduleMinNotice time.Duration
	// MaxHoldsPerClient caps how many times one client may hold at once.
	MaxHoldsPerClient int
	// ForgiveFirstLate refunds a client's first late cancellation in full, once.
	ForgiveFirstLate bool
	// RepeatCount late cancellations or no-shows within RepeatWithin make a
	// client prepay in full, even for pay-at-session services. 0 turns it off.
	RepeatCount  int
	RepeatWithin time.Duration
}

// DefaultPolicy is used for every field the practice leaves out: full refund
// with 48 hours' notice or more, half with 24 to 48, nothing below 24.
func DefaultPolicy() Policy {
	return Policy{
		Tiers: []RefundTier{
			{MinNotice: 48 * time.Hour, Percent: 100},
			{MinNotice: 24 * time.Hour, Percent: 50},
		},
		MinNotice:           2 * time.Hour,
		MaxDaysAhead:        60,
		SlotStep:            30 * time.Minute,
		HoldFor:             15 * time.Minute,
		RescheduleMinNotice: 24 * time.Hour,
		MaxHoldsPerClient:   2,
	}
}

// Validate checks the policy and sorts its tiers from the longest notice down.
func (p *Policy) Validate() error {
	if err := p.validateTiers(); err != nil {
		return err
	}
	return p.validateLimits()
}

// validateTiers sorts the refund tiers and refuses a tier that refunds more
// than one with longer notice.
func (p *Policy) validateTiers() error {
	sort.SliceStable(p.Tiers, func(i, j int) bool { return p.Tiers[i].MinNotice > p.Tiers[j].MinNotice })
	for i, t := range p.Tiers {
		if t.Percent < 0 || t.Percent > 100 {
			return Errorf(EINVALID, "policy.refund_tiers[%d].percent is %d: use a whole number from 0 to 100", i, t.Percent)
		}
		if t.MinNotice < 0 {
			return Errorf(EINVALID, "policy.refund_tiers[%d].notice is negative: use a duration such as 48h", i)
		}
		if i > 0 && t.MinNotice == p.Tiers[i-1].MinNotice {
			return Errorf(EINVALID, "policy.refund_tiers has two tiers with notice %s: give each tier its own notice", t.MinNotice)
		}
		if i > 0 && t.Percent > p.Tiers[i-1].Percent {
			return Errorf(EINVALID, "policy.refund_tiers: %d%% at %s is more than %d%% at %s; shorter notice must not refund more", t.Percent, t.MinNotice, p.Tiers[i-1].Percent, p.Tiers[i-1].MinNotice)
		}
	}
	return nil
}

// validateLimits checks the policy's notices, horizon, step and caps.
func (p *Policy) validateLimits() error {
	switch {
	case p.MinNotice < 0:
		return Errorf(EINVALID, "policy.min_notice is negative: use a duration such as 2h, or 0")
	case p.MaxDaysAhead < 1 || p.MaxDaysAhead > 366:
		return Errorf(EINVALID, "policy.max_days_ahead is %d: use a number of days from 1 to 366", p.MaxDaysAhead)
	case p.SlotStep < 5*time.Minute || p.SlotStep > 24*time.Hour || p.SlotStep%(5*time.Minute) != 0:
		return Errorf(EINVALID, "policy.slot_step is %s: use a multiple of 5 minutes, such as 15m or 30m", p.SlotStep)
	case p.HoldFor < time.Minute || p.HoldFor > 24*time.Hour:
		return Errorf(EINVALID, "policy.hold_for is %s: use a duration from 1m to 24h, such as 15m", p.HoldFor)
	case p.RescheduleMinNotice < 0:
		return Errorf(EINVALID, "policy.reschedule_min_notice is negative: use a duration such as 24h, or 0")
	case p.MaxHoldsPerClient < 1:
		return Errorf(EINVALID, "policy.max_holds_per_client is %d: use 1 or more", p.MaxHoldsPerClient)
	case p.RepeatCount < 0:
		return Errorf(EINVALID, "policy.repeat_offenders.count is %d: use 0 (off) or more", p.RepeatCount)
	case p.RepeatCount > 0 && p.RepeatWithin < 24*time.Hour:
		return Errorf(EINVALID, "policy.repeat_offenders.within is %s: use a window of a day or more, e.g. 90d", p.RepeatWithin)
	}
	return nil
}

// Tier returns the refund tier for cancelling a session that starts at start
// when it is now at. Notice exactly at a tier's boundary earns that tier. The
// zero tier (0%, no notice) is returned when no tier applies.
func (p Policy) Tier(start, at time.Time) RefundTier {
	notice := start.Sub(at)
	for _, t := range p.Tiers {
		if notice >= t.MinNotice {
			return t
		}
	}
	return RefundTier{}
}

// Refund returns what is given back of paid when a session starting at start
// is cancelled by the client at at, and the tier that decided it. The amount
// is rounded down to the minor unit and never exceeds paid.
func (p Policy) Refund(paid Money, start, at time.Time) (Money, RefundTier) {
	t := p.Tier(start, at)
	return paid.Percent(t.Percent), t
}

// Late reports whether cancelling at at is a late cancellation: with less
// notice than the best tier asks.
func (p Policy) Late(start, at time.Time) bool {
	if len(p.Tiers) == 0 {
		return true
	}
	return start.Sub(at) < p.Tiers[0].MinNotice
}

// CanReschedule reports whether a session starting at start may still be moved at at.
func (p Policy) CanReschedule(start, at time.Time) bool {
	return start.Sub(at) >= p.RescheduleMinNotice
}
