package busy

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]length{
		"PT1H30M": {exact: 90 * time.Minute},
		"P1D":     {days: 1},
		"P2W":     {days: 14},
		"-PT15M":  {exact: -15 * time.Minute},
		"P1DT2H":  {days: 1, exact: 2 * time.Hour},
		"+PT45S":  {exact: 45 * time.Second},
	} {
		days, exact, err := parseDuration(s)
		if err != nil || (length{days, exact}) != want {
			t.Errorf("parseDuration(%q) = %d, %s, %v; want %+v", s, days, exact, err, want)
		}
	}
	for _, bad := range []string{"", "P", "1H", "PT1", "P1H", "PTXM", "PT1D"} {
		if _, _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) has no error", bad)
		}
	}
}
