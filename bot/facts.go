package bot

import (
	"strings"

	"github.com/tori-bot/tori"
)

// serviceLine writes "<b>Talk session</b> · 50 min".
func (c *turn) serviceLine(s tori.Service) string {
	return "<b>" + iso(c.lang, s.Name(c.lang, c.practice.Language)) + "</b> · " + c.minutes(c.lang, s.Duration)
}

func (c *turn) therapistName(id string) string {
	if t, ok := c.practice.Therapist(id); ok {
		return iso(c.lang, t.Name)
	}
	return iso(c.lang, id)
}

// where writes the place: the address, or the video session line.
func (c *turn) where(a tori.Appointment, confirmed bool) string {
	if !a.Remote {
		return c.t("where.address", map[string]any{"Address": iso(c.lang, c.practice.Address)})
	}
	s, _ := c.practice.Service(a.ServiceID)
	switch {
	case !confirmed:
		return c.t("where.video_later", nil)
	case s.MeetingLink != "":
		return c.t("where.video_link", map[string]any{"Link": ltr(c.lang, esc(s.MeetingLink))})
	}
	return c.t("where.video_from_therapist", map[string]any{"Therapist": c.therapistName(a.TherapistID)})
}

// priceLine says what is paid and when.
func (c *turn) priceLine(a tori.Appointment) string {
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{"Price": c.price(c.lang, a.Price)}
	if a.PayState == tori.PayStatePaid {
		data["Paid"] = c.price(c.lang, a.Paid)
		later, ok := a.Price.Sub(a.Paid)
		if !ok || later.Amount <= 0 {
			return c.t("price.paid_full", data)
		}
		data["Later"] = c.price(c.lang, later)
		return c.t("price.paid_deposit", data)
	}

	// Not paid yet: what will be paid, and when.
	switch a.Payment {
	case tori.PayFull:
		return c.t("price.full", data)
	case tori.PayDeposit:
		now := s.DueNow()
		data["Now"] = c.price(c.lang, now)
		later, _ := a.Price.Sub(now) // the service's price and deposit: one currency
		data["Later"] = c.price(c.lang, later)
		return c.t("price.deposit", data)
	}
	return c.t("price.at_session", data)
}

// policyText states the cancellation policy in two plain sentences: in
// terms of refunds for prepaid services ("policy.paid.*"), and of what is
// charged for pay-at-session services ("policy.none.*").
func (c *turn) policyText(mode tori.PaymentMode) string {
	kind := "policy.paid."
	if mode == tori.PayNone {
		kind = "policy.none."
	}

	// What the client keeps (refund) or owes (charge) at a tier.
	pct := func(t tori.RefundTier) int {
		if mode == tori.PayNone {
			return 100 - t.Percent
		}
		return t.Percent
	}

	tiers := c.practice.Policy.Tiers
	if len(tiers) == 0 {
		return c.t(kind+"no_tiers", nil)
	}
	first := kind + "first_full"
	if tiers[0].Percent < 100 {
		first = kind + "first_partial"
	}

	// The second sentence: the later tiers, if any.
	var parts []string
	for _, t := range tiers[1:] {
		parts = append(parts, c.t(kind+"tier", map[string]any{"Percent": pct(t), "Notice": c.hours(c.lang, t.MinNotice)}))
	}
	second := c.t(kind+"later_nothing", nil)
	if len(parts) > 0 {
		second = c.t(kind+"later_tiers", map[string]any{"Tiers": strings.Join(parts, c.t("policy.join", nil))})
	}
	return c.t(first, map[string]any{"Notice": c.hours(c.lang, tiers[0].MinNotice), "Percent": pct(tiers[0])}) + " " + second
}
