package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestHolidaysConfig: the example's practice.holidays closes Rosh Hashana
// 5787 (12-13/9/2026) by name in both languages, its eve until 13:00, and
// Yom HaAtzmaut (holidays_also); open_on by date and by id opens the day for
// the therapist only; erev_chag_until closed and open change the eves.
func TestHolidaysConfig(t *testing.T) {
	base, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// load is the example with each from replaced by the to after it.
	load := func(edits ...string) *tori.Practice {
		t.Helper()
		text := string(base)
		for i := 0; i < len(edits); i += 2 {
			if !strings.Contains(text, edits[i]) {
				t.Fatalf("example has no %q", edits[i])
			}
			text = strings.Replace(text, edits[i], edits[i+1], 1)
		}
		p, err := parsePractice([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	day := func(y, m, d int) tori.Date { return tori.Date{Year: y, Month: time.Month(m), Day: d} }

	p := load("open_on: []", `open_on: ["2027-04-22", yom_haatzmaut]`)
	for _, c := range []struct {
		d      tori.Date
		en, he string
		until  tori.Minute
	}{
		{day(2026, 9, 11), "Erev Rosh Hashana", "ערב ראש השנה", 13 * 60},
		{day(2026, 9, 12), "Rosh Hashana", "ראש השנה", 0},
		{day(2026, 9, 13), "Rosh Hashana (second day)", "ראש השנה (יום ב׳)", 0},
		{day(2026, 9, 21), "Yom Kippur", "יום כיפור", 0},
		{day(2027, 4, 22), "Pesach", "פסח", 0},
		{day(2027, 5, 12), "Yom HaAtzmaut", "יום העצמאות", 0},
	} {
		got, ok := p.ClosureOn(c.d)
		if !ok || got.Name("en", "he") != c.en || got.Name("he", "en") != c.he || got.Until != c.until {
			t.Errorf("%s: %+v, %v; want %s / %s until %s", c.d, got, ok, c.en, c.he, c.until)
		}
	}
	if _, ok := p.ClosureOn(day(2026, 9, 14)); ok {
		t.Error("the day after Rosh Hashana is closed")
	}
	if _, ok := p.ClosureOn(day(2027, 5, 11)); ok {
		t.Error("Yom HaZikaron is closed though only yom_haatzmaut is added")
	}

	adi := p.Therapists[0]
	for _, d := range []tori.Date{day(2027, 4, 22), day(2027, 5, 12), day(2030, 5, 8)} {
		if _, ok := p.ClosureOn(d); !ok {
			t.Errorf("%s: the practice is open", d)
		}
		if _, closed := p.ClosedFor(adi, d); closed {
			t.Errorf("%s: closed for Adi, who opens it", d)
		}
	}
	if _, closed := p.ClosedFor(adi, day(2027, 4, 28)); !closed {
		t.Error("the seventh day of Pesach is open for Adi")
	}

	if c, _ := load(`erev_chag_until: "13:00"`, "erev_chag_until: closed").ClosureOn(day(2026, 9, 11)); !c.AllDay() {
		t.Errorf("erev_chag_until closed: the eve is %+v", c)
	}
	if _, ok := load(`erev_chag_until: "13:00"`, "erev_chag_until: open").ClosureOn(day(2026, 9, 11)); ok {
		t.Error("erev_chag_until open: the eve closes")
	}
	if p := load("holidays: israel\n", "\n", "holidays_also: [yom_haatzmaut]\n", "\n", `erev_chag_until: "13:00"`, ""); len(p.Closures) != 0 {
		t.Errorf("no holidays: %d closures", len(p.Closures))
	}
}
