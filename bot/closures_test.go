package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
)

// tishrei5787 are the closures practice.holidays: israel makes of
// September 2026 with erev_chag_until 13:00 (cmd/tori's TestHolidaysConfig
// checks the same days).
func tishrei5787() []tori.Closure {
	day := func(d int) tori.Date { return tori.Date{Year: 2026, Month: time.September, Day: d} }
	name := func(en, he string) map[string]string { return map[string]string{"en": en, "he": he} }
	return []tori.Closure{
		{Date: day(11), Until: 13 * 60, Names: name("Erev Rosh Hashana", "ערב ראש השנה")},
		{Date: day(12), Names: name("Rosh Hashana", "ראש השנה")},
		{Date: day(13), Names: name("Rosh Hashana (second day)", "ראש השנה (יום ב׳)")},
		{Date: day(20), Until: 13 * 60, Names: name("Erev Yom Kippur", "ערב יום כיפור")},
		{Date: day(21), Names: name("Yom Kippur", "יום כיפור")},
	}
}

// TestHolidayWeekView: the weeks of Rosh Hashana 5787 and Yom Kippur show
// each holiday as closed by its name, in English and in Hebrew, and offer
// no time on it; the eve of Yom Kippur offers the morning only; a therapist
// who opens the second day of Rosh Hashana is offered on it.
func TestHolidayWeekView(t *testing.T) {
	w := newWorld(t)
	w.p.Closures = tishrei5787()
	w.clock.Set(time.Date(2026, 9, 8, 10, 0, 0, 0, w.p.Location))

	dana := w.user(101, "Dana", "en")
	dana.say("/book").press("Talk session").press("Adi Levi").sees(
		"Fri 11/9 — Erev Rosh Hashana: sessions until 13:00", "Sat 12/9 — closed (Rosh Hashana)")
	dana.press("Next week").sees("Sun 13/9 — closed (Rosh Hashana (second day))")
	if _, ok := dana.button("Sun 13/9"); ok {
		t.Fatal("the second day of Rosh Hashana is offered")
	}
	dana.press("Next week").sees("Sun 20/9 — Erev Yom Kippur: sessions until 13:00", "Mon 21/9 — closed (Yom Kippur)")
	if _, ok := dana.button("Mon 21/9"); ok {
		t.Fatal("Yom Kippur is offered")
	}
	// Yom Kippur itself, from a button of another time: closed, by name, and no waitlist to join.
	b, _ := dana.button("Sun 20/9")
	dana.pressData(strings.Replace(b.Data, "20260920", "20260921", 1)).sees("There are no sessions on Monday 21 September 2026 (Yom Kippur).")
	if _, ok := dana.button("waitlist"); ok {
		t.Fatalf("a waitlist for Yom Kippur: %v", labels(dana.screen))
	}
	dana.press("Back").press("Sun 20/9").sees("Erev Yom Kippur: sessions until 13:00")
	if _, ok := dana.button("12:00"); !ok {
		t.Fatal("the morning of the eve is not offered")
	}
	if _, ok := dana.button("15:00"); ok {
		t.Fatal("the afternoon of the eve is offered")
	}

	omer := w.user(102, "Omer", "he")
	omer.say("/book").press("פגישת שיחה").press("Adi Levi").sees(
		"ש׳ 12/9 — סגור ("+bidi.Auto("ראש השנה")+")", "ו׳ 11/9 — "+bidi.Auto("ערב ראש השנה")+": פגישות עד "+bidi.LTR("13:00"))

	// The practice's /week names them too.
	staff := w.user(9500, "Staff", "en")
	staff.say("/week").sees("Fri 11/9: 0 sessions · Erev Rosh Hashana: sessions until 13:00", "Sat 12/9: 0 sessions · closed (Rosh Hashana)",
		"Sun 13/9: 0 sessions · closed (Rosh Hashana (second day))", "Mon 14/9: 0 sessions")
	if strings.Contains(staff.screen.Text, "14/9: 0 sessions ·") {
		t.Fatal("/week: a closure on an open day")
	}

	// Adi opens the second day of Rosh Hashana: she is offered on it.
	w.p.Therapists[0].OpenOn = []tori.Date{{Year: 2026, Month: time.September, Day: 13}}
	dana.say("/book").press("Talk session").press("Adi Levi").press("Next week").press("Sun 13/9").sees("Sunday 13 September 2026: choose a time.")
	if _, ok := dana.button("15:00"); !ok {
		t.Fatal("the day Adi opens has no afternoon")
	}
}

// TestHolidaySeries: a weekly series through Pesach 5787 lists the eve's
// afternoon and the seventh day as conflicts that name the holiday, each
// with a time instead.
func TestHolidaySeries(t *testing.T) {
	w := newWorld(t)
	day := func(d int) tori.Date { return tori.Date{Year: 2027, Month: time.April, Day: d} }
	name := func(en, he string) map[string]string { return map[string]string{"en": en, "he": he} }
	w.p.Closures = []tori.Closure{
		{Date: day(21), Until: 13 * 60, Names: name("Erev Pesach", "ערב פסח")},
		{Date: day(22), Names: name("Pesach", "פסח")},
		{Date: day(27), Until: 13 * 60, Names: name("Erev Pesach (seventh day)", "ערב שביעי של פסח")},
		{Date: day(28), Names: name("Pesach (seventh day)", "שביעי של פסח")},
	}
	w.clock.Set(time.Date(2027, 4, 5, 10, 0, 0, 0, w.p.Location))

	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").press("Wed 7/4").press("15:00").press("Make it weekly").press("4 sessions").sees(
		"✅ Wed 7/4\n✅ Wed 14/4\n🔄 Wed 21/4: the practice is closed then (Erev Pesach). Instead: <b>",
		"🔄 Wed 28/4: the practice is closed then (Pesach (seventh day)). Instead: <b>")
}
