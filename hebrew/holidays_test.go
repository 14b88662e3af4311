package hebrew

import (
	"testing"
	"time"
)

func TestYearAndEves(t *testing.T) {
	hs := Year(Israel, 5787, true, nil)
	if len(hs) != 8 || hs[0].ID != "rosh_hashana_1" || hs[0].Civil != (Civil{2026, time.September, 12}) || hs[1].Civil != (Civil{2026, time.September, 13}) {
		t.Fatalf("5787 starts with %+v", hs[:2])
	}
	if hs[0].Names["he"] != "ראש השנה" {
		t.Errorf("Rosh Hashana in Hebrew is %q", hs[0].Names["he"])
	}

	eves := Eves(hs)
	if len(eves) != 7 {
		t.Fatalf("%d eves for 8 days of Yom Tov (Rosh Hashana's second day has none): %+v", len(eves), eves)
	}
	if e := eves[0]; e.Civil != (Civil{2026, time.September, 11}) || e.Names["en"] != "Erev Rosh Hashana" {
		t.Errorf("first eve is %+v", e)
	}
	if Known("rosh_hashana") || !Known("yom_haatzmaut") {
		t.Error("Known: wrong about the table's ids")
	}
}

func TestYomHaAtzmautMoves(t *testing.T) {
	for _, c := range []struct {
		year int
		want Civil
	}{
		{5786, Civil{2026, time.April, 22}}, // 5 Iyyar a Wednesday: stays
		{5787, Civil{2027, time.May, 12}},   // 5 Iyyar a Wednesday
		{5784, Civil{2024, time.May, 14}},   // 5 Iyyar a Monday: to Tuesday
		{5785, Civil{2025, time.May, 1}},    // 5 Iyyar a Saturday: to Thursday
	} {
		hs := Year(Israel, c.year, false, []string{"yom_haatzmaut"})
		if len(hs) != 1 || hs[0].Civil != c.want {
			t.Errorf("Yom HaAtzmaut %d: %+v, want %s", c.year, hs, c.want)
		}
	}
}

// TestEveryDayRoundTrips: from 1900 to 2100 each Gregorian day converts to
// a valid Hebrew day and back, and the next day is the next Hebrew day.
func TestEveryDayRoundTrips(t *testing.T) {
	c := Civil{1900, time.January, 1}
	prev := FromCivil(c.AddDays(-1))
	for ; c.Year <= 2100; c = c.AddDays(1) {
		h := FromCivil(c)
		if !h.Valid() || h.Civil() != c {
			t.Fatalf("%s -> %+v -> %s", c, h, h.Civil())
		}
		next := h.Day == prev.Day+1 && h.Month == prev.Month && h.Year == prev.Year ||
			h.Day == 1 && (h.Month != prev.Month || h.Year != prev.Year)
		if !next {
			t.Fatalf("%s is %+v, after %+v", c, h, prev)
		}
		prev = h
	}
}
