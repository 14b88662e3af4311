package tori_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
)

// pesach5787 are the closures the wiring makes of Pesach 2027 with
// erev_chag_until 13:00: the eves close at 13:00, the first and seventh
// days all day.
func pesach5787() []tori.Closure {
	name := func(en, he string) map[string]string { return map[string]string{"en": en, "he": he} }
	return []tori.Closure{
		{Date: tori.Date{Year: 2027, Month: 4, Day: 21}, Until: 13 * 60, Names: name("Erev Pesach", "ערב פסח")},
		{Date: tori.Date{Year: 2027, Month: 4, Day: 22}, Names: name("Pesach", "פסח")},
		{Date: tori.Date{Year: 2027, Month: 4, Day: 27}, Until: 13 * 60, Names: name("Erev Pesach (seventh day)", "ערב שביעי של פסח")},
		{Date: tori.Date{Year: 2027, Month: 4, Day: 28}, Names: name("Pesach (seventh day)", "שביעי של פסח")},
	}
}

// TestFreeSlotsHolidays: on a holiday nothing is free; on its eve only
// sessions that end by the hour the practice closes; a therapist who opens
// the holiday works as on any day; a day off stays off.
func TestFreeSlotsHolidays(t *testing.T) {
	p := practice()
	p.Policy.MaxDaysAhead = 366
	p.Closures = pesach5787()
	p = testpractice.Valid(p)
	adi, _ := p.Therapist("adi")
	talk, _ := p.Service("talk")
	now := time.Date(2027, 4, 1, 9, 0, 0, 0, p.Location)
	erev, pesach, after := tori.Date{Year: 2027, Month: 4, Day: 21}, tori.Date{Year: 2027, Month: 4, Day: 22}, tori.Date{Year: 2027, Month: 4, Day: 25}
	slots := func(t tori.Therapist, d tori.Date) []time.Time { return tori.FreeSlots(p, t, talk, d, d, nil, now) }

	if got := slots(adi, pesach); len(got) != 0 {
		t.Errorf("Pesach: %d free times, want none", len(got))
	}
	got := slots(adi, erev)
	closes := erev.At(13*60, p.Location)
	if len(got) == 0 || len(got) >= len(slots(adi, after)) {
		t.Fatalf("erev Pesach: %d free times, a usual day %d", len(got), len(slots(adi, after)))
	}
	for _, st := range got {
		if st.Add(talk.Duration).After(closes) {
			t.Errorf("erev Pesach: a session at %s ends after 13:00", st.In(p.Location).Format("15:04"))
		}
	}

	open := adi
	open.OpenOn = []tori.Date{pesach, erev}
	if n, usual := len(slots(open, pesach)), len(slots(adi, pesach.AddDays(-7))); n != usual {
		t.Errorf("Pesach opened: %d free times, a usual Thursday %d", n, usual)
	}
	if n := len(slots(open, erev)); n != len(slots(adi, erev.AddDays(-7))) {
		t.Errorf("erev Pesach opened: %d free times, not a usual day's", n)
	}
	open.DaysOff = []tori.Date{pesach}
	if n := len(slots(open, pesach)); n != 0 {
		t.Errorf("opened but a day off: %d free times", n)
	}

	if c, ok := p.ClosedFor(adi, pesach); !ok || c.Name("he", "en") != "פסח" || !c.AllDay() {
		t.Errorf("ClosedFor(Pesach) = %+v, %v", c, ok)
	}
	if _, ok := p.ClosedFor(open, pesach); ok {
		t.Error("ClosedFor: closed for a therapist who opens the day")
	}
}

// TestSeriesOverPesach: a client's weekly series through Pesach lists the
// first and seventh days, and the afternoon of the eve, as conflicts of
// ReasonHoliday, each with a nearest free time that week off the holiday.
func TestSeriesOverPesach(t *testing.T) {
	b, c := mustBookings(t)
	p := practice()
	p.Closures = pesach5787()
	b.Practice = testpractice.Valid(p)
	c.t = time.Date(2027, 4, 1, 9, 0, 0, 0, p.Location)

	check := func(first tori.Date, hm string, want map[int]tori.Reason) {
		t.Helper()
		pl := mustPlan(t, b, weekly(at(b, first, hm), 3))
		for _, o := range pl.Occurrences {
			if o.Conflict != want[o.Week] {
				t.Errorf("%s %s, week %d: conflict %q, want %q", first, hm, o.Week, o.Conflict, want[o.Week])
			}
			if o.Conflict == "" {
				continue
			}
			d := tori.DateOf(o.Near.In(p.Location))
			if cl, ok := p.ClosureOn(d); o.Near.IsZero() || ok && (cl.AllDay() || o.Near.Add(50*time.Minute).After(d.At(cl.Until, p.Location))) {
				t.Errorf("week %d: nearest %s is closed", o.Week, o.Near)
			}
		}
	}
	check(tori.Date{Year: 2027, Month: 4, Day: 15}, "10:00", map[int]tori.Reason{1: tori.ReasonHoliday}) // Thursdays: Pesach on the 22nd
	check(tori.Date{Year: 2027, Month: 4, Day: 14}, "15:00", map[int]tori.Reason{1: tori.ReasonHoliday, 2: tori.ReasonHoliday})
	check(tori.Date{Year: 2027, Month: 4, Day: 14}, "10:00", map[int]tori.Reason{2: tori.ReasonHoliday}) // erev at 10:00 is open
}
