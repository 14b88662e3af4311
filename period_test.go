package tori_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want tori.Period
		ok   bool
	}{
		{"24 months", tori.Period{Months: 24}, true},
		{"7 years", tori.Period{Years: 7}, true},
		{"7y", tori.Period{Years: 7}, true},
		{"2 years 6 months", tori.Period{Years: 2, Months: 6}, true},
		{"90d", tori.Period{Days: 90}, true},
		{"1 month", tori.Period{Months: 1}, true},
		{"24m", tori.Period{}, false}, // minutes or months?
		{"seven years", tori.Period{}, false},
		{"-3 days", tori.Period{}, false},
		{"", tori.Period{}, false},
		{"3", tori.Period{}, false},
	} {
		got, err := tori.ParsePeriod(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v", tt.in, got, err)
		}
		if tt.ok && got.String() != "" {
			if again, err := tori.ParsePeriod(got.String()); err != nil || again != got {
				t.Errorf("%q does not read back: %v", got.String(), err)
			}
		}
	}
	// Counted on the calendar: 24 months before 31 March 2028 is 31 March 2026.
	at := time.Date(2028, 3, 31, 12, 0, 0, 0, time.UTC)
	if got := (tori.Period{Months: 24}).Before(at); !got.Equal(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("Before = %s", got)
	}
}
