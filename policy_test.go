package tori_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func TestRefundTiers(t *testing.T) {
	p := tori.DefaultPolicy()
	start := time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC)
	paid := tori.Money{Amount: 35050, Currency: "ILS"}
	tests := []struct {
		name    string
		notice  time.Duration
		percent int
		refund  int64
	}{
		{"WeekAhead", 7 * 24 * time.Hour, 100, 35050},
		{"Exactly48h", 48 * time.Hour, 100, 35050},
		{"JustUnder48h", 48*time.Hour - time.Second, 50, 17525},
		{"Exactly24h", 24 * time.Hour, 50, 17525},
		{"JustUnder24h", 24*time.Hour - time.Second, 0, 0},
		{"AtStart", 0, 0, 0},
		{"AfterStart", -time.Hour, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, tier := p.Refund(paid, start, start.Add(-tt.notice))
			if tier.Percent != tt.percent || got.Amount != tt.refund || got.Currency != "ILS" {
				t.Fatalf("Refund = %v (%d%%), want %d (%d%%)", got, tier.Percent, tt.refund, tt.percent)
			}
		})
	}
	t.Run("RoundsDownToTheAgora", func(t *testing.T) {
		got, _ := p.Refund(tori.Money{Amount: 35051, Currency: "ILS"}, start, start.Add(-30*time.Hour))
		if got.Amount != 17525 {
			t.Fatalf("50%% of 350.51 = %d agorot, want 17525", got.Amount)
		}
	})
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*tori.Policy)
		want string
	}{
		{"OK", func(*tori.Policy) {}, ""},
		{"PercentOver100", func(p *tori.Policy) { p.Tiers[0].Percent = 120 }, "policy.refund_tiers[0].percent is 120: use a whole number from 0 to 100"},
		{"ShorterNoticeRefundsMore", func(p *tori.Policy) { p.Tiers[1].Percent = 100; p.Tiers[0].Percent = 50 }, "policy.refund_tiers: 100% at 24h0m0s is more than 50% at 48h0m0s; shorter notice must not refund more"},
		{"SameNoticeTwice", func(p *tori.Policy) { p.Tiers[1].MinNotice = 48 * time.Hour }, "policy.refund_tiers has two tiers with notice 48h0m0s: give each tier its own notice"},
		{"OddSlotStep", func(p *tori.Policy) { p.SlotStep = 7 * time.Minute }, "policy.slot_step is 7m0s: use a multiple of 5 minutes, such as 15m or 30m"},
		{"NoHorizon", func(p *tori.Policy) { p.MaxDaysAhead = 0 }, "policy.max_days_ahead is 0: use a number of days from 1 to 366"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tori.DefaultPolicy()
			tt.edit(&p)
			err := p.Validate()
			if tori.ErrorMessage(err) != tt.want {
				t.Fatalf("Validate() = %q, want %q", tori.ErrorMessage(err), tt.want)
			}
		})
	}
	t.Run("SortsTiers", func(t *testing.T) {
		p := tori.DefaultPolicy()
		p.Tiers = []tori.RefundTier{{MinNotice: 24 * time.Hour, Percent: 50}, {MinNotice: 72 * time.Hour, Percent: 100}}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if p.Tiers[0].MinNotice != 72*time.Hour {
			t.Fatalf("tiers not sorted: %+v", p.Tiers)
		}
	})
}

func TestMoney(t *testing.T) {
	tests := []struct {
		m      tori.Money
		en, he string
	}{
		{tori.Money{Amount: 35000, Currency: "ILS"}, "₪350", "350\u00a0₪"},
		{tori.Money{Amount: 35050, Currency: "ILS"}, "₪350.50", "350.50\u00a0₪"},
		{tori.Money{Amount: 35005, Currency: "ILS"}, "₪350.05", "350.05\u00a0₪"},
		{tori.Money{Amount: 5, Currency: "USD"}, "$0.05", "0.05\u00a0$"},
		{tori.Money{Amount: 1200, Currency: "JPY"}, "¥1200", "1200\u00a0¥"},
		{tori.Money{Amount: 1234, Currency: "CHF"}, "CHF\u00a012.34", "12.34\u00a0CHF"},
		{tori.Money{Amount: 3500, Currency: "HUF"}, "HUF\u00a03500", "3500\u00a0HUF"}, // whole forints, as PayPal takes them
	}
	for _, tt := range tests {
		if got := tt.m.Format("en"); got != tt.en {
			t.Errorf("Format(en) = %q, want %q", got, tt.en)
		}
		if got := tt.m.Format("he"); got != tt.he {
			t.Errorf("Format(he) = %q, want %q", got, tt.he)
		}
	}
	for in, want := range map[string]int64{"350": 35000, "350.5": 35050, "350.05": 35005, "0": 0} {
		got, err := tori.ParseMoney(in, "ils")
		if err != nil || got.Amount != want || got.Currency != "ILS" {
			t.Errorf("ParseMoney(%q) = %v, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"350.055", "-5", "abc", "", "1.", "+3"} {
		if _, err := tori.ParseMoney(in, "ILS"); tori.ErrorCode(err) != tori.EINVALID {
			t.Errorf("ParseMoney(%q) error = %v, want EINVALID", in, err)
		}
	}
	for _, c := range []string{"HUF", "TWD", "JPY"} {
		if _, err := tori.ParseMoney("3500.50", c); tori.ErrorCode(err) != tori.EINVALID {
			t.Errorf("ParseMoney(3500.50, %s) error = %v, want EINVALID: whole units only", c, err)
		}
	}
}

// TestMoneySub: a difference of two amounts of one currency is exact; ₪
// minus $ is refused (ok false, the receiver unchanged), never a
// nonsense amount.
func TestMoneySub(t *testing.T) {
	if d, ok := ils(40000).Sub(ils(35050)); !ok || d != ils(4950) {
		t.Fatalf("₪400 - ₪350.50 = %v, %v", d, ok)
	}
	usd := tori.Money{Amount: 35050, Currency: "USD"}
	if d, ok := ils(40000).Sub(usd); ok || d != ils(40000) {
		t.Fatalf("₪400 - $350.50 = %v, %v; want refused", d, ok)
	}
}
