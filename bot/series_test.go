package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// jlm is a day at hm in the test practice's zone.
func (w *world) jlm(d tori.Date, hm string) time.Time {
	m, err := tori.ParseMinute(hm)
	if err != nil {
		w.t.Fatal(err)
	}
	return d.At(m, w.p.Location)
}

// book holds and confirms a talk with Adi for c at d hm, outside the chat.
func (w *world) book(c tori.Client, d tori.Date, hm string) tori.Appointment {
	w.t.Helper()
	ctx := context.Background()
	h, err := w.bookings.Hold(ctx, c, "talk", "adi", w.jlm(d, hm), 0)
	if err != nil {
		w.t.Fatalf("hold %s %s: %v", d, hm, err)
	}
	a, err := w.bookings.Confirm(ctx, c, h.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// lastDocument is the last file a chat received.
func (w *world) lastDocument(chat int64) *bot.Document {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := w.inbox[chat]
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].Document != nil {
			return in[i].Document
		}
	}
	w.t.Fatalf("chat %d received no file", chat)
	return nil
}

func (w *world) upcoming(c tori.Client) []tori.Appointment {
	w.t.Helper()
	up, err := w.bookings.Upcoming(context.Background(), c)
	if err != nil {
		w.t.Fatal(err)
	}
	return up
}

var omerClient = tori.Client{ID: 102, ChatID: 102, Name: "Omer", Lang: "en"}

func date(m time.Month, d int) tori.Date {
	y := 2026
	if m < 11 {
		y = 2027
	}
	return tori.Date{Year: y, Month: m, Day: d}
}

// TestSeriesWeeklyWithConflicts: from the summary of a held time, "Make
// it weekly" asks how many (up to what the booking horizon allows), then
// lists every week: free ones briefly, a booked week with its reason and
// its nearest free time, a day off with its reason; the client skips the
// booked week and books the rest: one confirmation listing the dates,
// one calendar file with every session (each its own UID), one notice
// to the therapist, and a second press books nothing more.
func TestSeriesWeeklyWithConflicts(t *testing.T) {
	w := newWorld(t)
	w.book(omerClient, date(12, 15), "10:00")
	w.p.Therapists[0].DaysOff = []tori.Date{date(12, 29)}
	dana := w.user(101, "Dana", "en")

	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").sees("Please check your booking")
	if _, ok := dana.button("Every 2 weeks"); !ok {
		t.Fatalf("no fortnightly button: %v", labels(dana.screen))
	}
	dana.press("Make it weekly").sees("Regular sessions", "weekly, on Tuesdays, 10:00–10:50, from Tuesday 1 December 2026",
		"Bookings open 60 days ahead, so up to 9 can be booked now.")
	if got := labels(dana.screen); strings.Join(got, "|") != "4 sessions|8 sessions|9 sessions|‹ Back" {
		t.Fatalf("choices %v", got)
	}
	dana.press("8 sessions").sees("✅ Tue 1/12\n✅ Tue 8/12\n🔄 Tue 15/12: another session is booked then. Instead: <b>",
		"✅ Tue 22/12\n🔄 Tue 29/12: Adi Levi does not work that day. Instead: <b>", "✅ Tue 19/1",
		"Nothing is booked until you tap <b>✅ Book 8 sessions</b>.")
	if up := w.upcoming(dana.c); len(up) != 0 {
		t.Fatalf("planning booked %v", up)
	}
	if _, ok := dana.button("✓ nearest:"); !ok || strings.Count(strings.Join(labels(dana.screen), "|"), "nearest:") != 2 {
		t.Fatalf("choices: %v", labels(dana.screen))
	}

	// Skip the booked week; take the nearest time on the day off's week.
	dana.press("skip Tue 15/12").sees("⏭ Tue 15/12: another session is booked then. Skipped.", "Book 7 sessions")
	if _, ok := dana.button("✓ skip Tue 15/12"); !ok {
		t.Fatalf("the skip is not ticked: %v", labels(dana.screen))
	}
	told := w.count(9001)
	book, _ := dana.button("Book 7 sessions")
	dana.press("Book 7 sessions").sees("You're booked: 7 sessions.", "weekly, on Tuesdays, 10:00–10:50",
		"• Tue 1/12, 10:00–10:50\n• Tue 8/12, 10:00–10:50\n• Tue 22/12, 10:00–10:50", "Not booked: Tue 15/12",
		"You get a reminder before each session", "/my shows the series")

	up := w.upcoming(dana.c)
	if len(up) != 7 {
		t.Fatalf("%d sessions booked, want 7", len(up))
	}
	for _, a := range up {
		if a.Series == "" || a.Series != up[0].Series || a.Status != tori.StatusConfirmed || tori.DateOf(a.Start.In(w.p.Location)) == date(12, 15) {
			t.Fatalf("booked %+v", a)
		}
	}
	if !up[0].Start.Equal(w.jlm(date(12, 1), "10:00")) {
		t.Fatalf("the held time is not the first week: %v", up[0].Start)
	}

	// One notice to each of the therapist's chats, listing the dates.
	if w.count(9001) != told+1 {
		t.Fatalf("the therapist got %d notices, want one", w.count(9001)-told)
	}
	if n := w.last(9001).Text; !strings.Contains(n, "סדרה חדשה: 7 פגישות") || strings.Count(n, "• ") != 7 || !strings.Contains(n, "@dana") {
		t.Fatalf("notice: %s", n)
	}

	// One file, one event per session, each with its own UID.
	doc := w.lastDocument(101)
	ics := string(doc.Data)
	if strings.Count(ics, "BEGIN:VEVENT") != 7 || !strings.Contains(doc.Caption, "Add all 7 sessions") {
		t.Fatalf("file %s:\n%s", doc.Caption, ics)
	}
	for _, a := range up {
		if strings.Count(ics, "UID:"+a.ID+"@tori") != 1 {
			t.Fatalf("no event of its own for %s:\n%s", a.ID, ics)
		}
	}

	// A second press shows the booking; nobody is told twice, nothing more is booked.
	dana.pressData(book.Data).sees("You're booked: 7 sessions.")
	if w.count(9001) != told+1 || len(w.upcoming(dana.c)) != 7 || w.lastDocument(101) != doc {
		t.Fatalf("a second press told or booked again (%d notices)", w.count(9001)-told)
	}
}

// TestSeriesTakenBetweenPlanAndTake: a week taken after the weeks were
// shown is never booked over, nor left out silently: pressing Book shows
// the weeks again with that week in conflict, whether the change is seen
// when planning again or only by the atomic take.
func TestSeriesTakenBetweenPlanAndTake(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").press("Make it weekly").press("4 sessions").sees("✅ Tue 22/12")

	// Seen when planning again.
	w.book(omerClient, date(12, 22), "10:00")
	dana.press("Book 4 sessions").sees("Something changed since these weeks were shown, so nothing was booked.",
		"🔄 Tue 22/12: another session is booked then. Instead:")
	if up := w.upcoming(dana.c); len(up) != 0 {
		t.Fatalf("booked %v", up)
	}

	// Seen only by the take: the week is booked between the plan and the step.
	race := &takeRace{Store: w.bookings.Store}
	race.before = func() { w.book(omerClient, date(12, 8), "10:00") }
	w.bookings.Store = race
	dana.press("Book 4 sessions").sees("One of these times was taken just now, so nothing was booked.",
		"🔄 Tue 8/12: another session is booked then. Instead:", "🔄 Tue 22/12")
	if up := w.upcoming(dana.c); len(up) != 0 {
		t.Fatalf("booked %v", up)
	}
	dana.press("Book 4 sessions").sees("You're booked: 4 sessions.")
	for _, a := range w.upcoming(dana.c) {
		if d := tori.DateOf(a.Start.In(w.p.Location)); (d == date(12, 8) || d == date(12, 22)) && a.Start.In(w.p.Location).Format("15:04") == "10:00" {
			t.Fatalf("booked over Omer: %v", a.Start)
		}
	}
}

// takeRace is a store that runs before once, just before a series is taken.
type takeRace struct {
	tori.Store
	once   sync.Once
	before func()
}

func (r *takeRace) TakeSeries(ctx context.Context, s tori.Series, occs []tori.Appointment, maxHolds int, now time.Time) error {
	r.once.Do(r.before)
	return r.Store.TakeSeries(ctx, s, occs, maxHolds, now)
}

// TestSeriesForgedButtons: another client pressing a client's series
// buttons (or made-up ones) learns nothing and changes nothing: the held
// time stays held, and no series is taken in anyone's name.
func TestSeriesForgedButtons(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").press("Make it weekly").press("4 sessions")
	var forged []string
	for _, l := range []string{"skip Tue", "Book 4 sessions", "Back", "Cancel"} {
		if b, ok := dana.button(l); ok {
			forged = append(forged, b.Data)
		}
	}
	hold := strings.Split(forged[0], ":")[1]
	forged = append(forged, "sc:"+hold+":1", "sc:"+hold+":2", "sv:"+hold, "sp:"+hold+":14:0")
	omer.say("/start")
	for _, data := range forged {
		omer.pressData(data)
		if strings.Contains(omer.screen.Text, "Talk session") || strings.Contains(omer.screen.Text, "Tue 1/12") {
			t.Fatalf("%s showed Dana's series to Omer:\n%s", data, omer.screen.Text)
		}
	}
	for _, data := range []string{"sp:" + hold + ":1x:0", "sp:" + hold + ":14:g", "sp:" + hold + ":1200:0", "sb:" + hold + ":14:0:ZZ", "sp:" + hold + ":14:01"} {
		omer.pressData(data).sees("no longer works")
	}
	if up := w.upcoming(omer.c); len(up) != 0 {
		t.Fatalf("Omer has %v", up)
	}
	// Dana's time is still held for her (Omer cannot take it), and her series books.
	omer.say("/start talk").press("Adi Levi").press("Tue 1/12")
	if _, ok := omer.button("10:00"); ok {
		t.Fatal("Dana's held 10:00 is offered to Omer")
	}
	dana.press("Book 4 sessions").sees("You're booked: 4 sessions.")
	omer.pressData(forged[1])
	if up := w.upcoming(omer.c); len(up) != 0 || len(w.upcoming(dana.c)) != 4 {
		t.Fatalf("after Omer pressed Book: Omer has %v", up)
	}
}

// TestSeriesPrepaidService: a service paid in advance is made weekly like
// any: the first session goes to payment (here PayPal is not set up, so
// it is still held, to try again), every later one is held awaiting its
// payment until 48 hours before it, and /my lists those to pay with
// their deadlines and pay buttons.
func TestSeriesPrepaidService(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start intake").press("Tue 1/12").press("10:00").press("Make it weekly").press("4 sessions").
		sees("✅ Tue 1/12", "✅ Tue 15/12").press("Book 4 sessions").sees("PayPal did not answer just now")

	all, err := w.store.ClientAppointments(context.Background(), 101, time.Time{})
	var as []tori.Appointment
	for _, a := range all {
		if a.Series != "" {
			as = append(as, a)
		}
	}
	if err != nil || len(as) != 4 {
		t.Fatalf("%d appointments, %v", len(as), err)
	}
	for i, a := range as {
		if a.Status != tori.StatusHeld || (i == 0) != a.PayBy.IsZero() || i > 0 && !a.PayBy.Equal(a.Start.Add(-48*time.Hour)) {
			t.Fatalf("week %d: %s, pay by %s", i, a.Status, a.PayBy)
		}
	}
	dana.say("/my").sees("To pay", "Intake with Adi Levi, Tuesday 8 December 2026, 10:00–11:00 (weekly, 2 of 4): ₪350.50, to pay by Sunday 6 December 2026, 10:00")
	if _, ok := dana.button("Pay ₪350.50 · Tue 15/12 10:00"); !ok {
		t.Fatalf("no pay button: %v", labels(dana.screen))
	}
}

// TestSeriesHebrewFortnightly: every 2 weeks in Hebrew, the rhythm and
// the times kept left to right; near the booking horizon no series is
// offered at all.
func TestSeriesHebrewFortnightly(t *testing.T) {
	w := newWorld(t)
	omer := w.user(102, "עומר", "he")
	omer.say("/start talk").press("Adi Levi").press("ג׳ 1/12").press("12:00").press("כל שבועיים").sees("פגישות קבועות",
		"אחת לשבועיים, בימי שלישי, \u206612:00–12:50\u2069", "אפשר לקבוע עכשיו עד 5")
	omer.press("4 פגישות").sees("✅ ג׳ 1/12\n✅ ג׳ 15/12\n✅ ג׳ 29/12\n✅ ג׳ 12/1", "שום דבר לא נקבע עד שתקישו")
	omer.press("לקבוע 4 פגישות").sees("נקבעו 4 פגישות.", "• ג׳ 29/12, \u206612:00–12:50\u2069")
	if up := w.upcoming(omer.c); len(up) != 4 || up[1].Start.Sub(up[0].Start) != 14*24*time.Hour {
		t.Fatalf("booked %v", up)
	}

	// Tuesday 26 January is within 60 days, and the next Tuesday is not.
	omer.pressData("t:talk:adi:" + strconvUnixMinutes(w.jlm(date(1, 26), "10:00"))).sees("בדקו בבקשה את פרטי התור")
	if _, ok := omer.button("כל שבוע"); ok {
		t.Fatalf("a series offered on the horizon: %v", labels(omer.screen))
	}
}
