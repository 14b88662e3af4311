package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// bookWeekly books Dana's weekly talk with Adi, n sessions from Tuesday
// 1 December 10:00, through the chat.
func (u *user) bookWeekly(n string) *user {
	u.w.t.Helper()
	return u.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").press("Make it weekly").press(n + " sessions").
		press("Book " + n + " sessions").sees("You're booked: " + n + " sessions.")
}

// TestSeriesInMy: /my shows a series as one line (its rhythm, its next
// session, how many are ahead) beside single bookings; opening it lists
// its sessions, "2 of 4"; a session's card and reminder say "weekly, 2 of
// 4"; "Cancel this one" cancels that session alone, by its own notice.
func TestSeriesInMy(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.bookWeekly("4")
	dana.say("/start video").press("Wed 2/12").press("10:00").press("Confirm").sees("You're booked.")

	dana.say("/my").sees("1. 🔁 <b>Talk session</b> · 50 minutes\nWith Adi Levi, weekly, on Tuesdays, 10:00–10:50\n"+
		"Next: Tuesday 1 December 2026, 10:00–10:50 · 4 sessions ahead, the last on Tue 22/12", "2. <b>Video session</b>")
	if got := strings.Join(labels(dana.screen), "|"); !strings.HasPrefix(got, "🔁 Series 1 · weekly|🔄 Reschedule 2 · Wed 2/12 10:00|✖ Cancel 2") {
		t.Fatalf("buttons %s", got)
	}
	dana.press("Series 1").sees("weekly, on Tuesdays, 10:00–10:50", "1 of 4 · Tue 1/12, 10:00–10:50\n2 of 4 · Tue 8/12, 10:00–10:50")
	dana.press("Cancel Tue 8/12").sees("Cancel this session?", "Talk session with Adi Levi, Tuesday 8 December 2026, 10:00–10:50 (weekly, 2 of 4)",
		"free of charge")
	if got := strings.Join(labels(dana.screen), "|"); got != "Yes, cancel this one|Cancel this and all later ones|No, keep it" {
		t.Fatalf("buttons %s", got)
	}

	up := w.upcoming(dana.c)
	rs := w.bot.ReminderReplies(context.Background(), up[0], 24*time.Hour)
	if len(rs) != 1 || !strings.Contains(shown(rs[0].Text), "Tuesday 1 December 2026, 10:00–10:50 (weekly, 1 of 4)") {
		t.Fatalf("reminder %+v", rs)
	}

	told := w.count(9001)
	dana.press("Yes, cancel this one").sees("Cancelled.", "(weekly, 2 of 4)")
	if w.count(9001) != told+1 || !strings.Contains(w.last(9001).Text, "ביטול על ידי הלקוח/ה") {
		t.Fatalf("the therapist got %d notices", w.count(9001)-told)
	}
	dana.say("/my").sees("3 sessions ahead, the last on Tue 22/12")
	dana.press("Series 1").sees("1 of 4 · Tue 1/12", "3 of 4 · Tue 15/12")
	if strings.Contains(dana.screen.Text, "Tue 8/12") {
		t.Fatalf("the cancelled session is listed:\n%s", dana.screen.Text)
	}
}

// TestSeriesCancelThisAndLater: "Cancel this and all later ones" shows
// the total the policy gives (the first session, a day ahead, costs half
// its price; the others are free) before asking; a boundary passed since
// shows it again and cancels nothing; confirmed, every session is
// cancelled once, the late one counted once, the therapist told once
// listing them, the calendar told to remove them all; a second press
// changes nothing and tells nobody.
func TestSeriesCancelThisAndLater(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.bookWeekly("4")

	// From the third: two sessions, free of charge; the first two stay.
	dana.say("/my").press("Series 1").press("Cancel Tue 15/12").press("Cancel this and all later ones").sees(
		"Cancel these 2 sessions?", "• Tue 15/12, 10:00–10:50\n• Tue 22/12, 10:00–10:50", "Cancelling them now is free of charge")
	dana.press("Yes, cancel all 2").sees("Cancelled: 2 sessions.", "the times are free again")
	if up := w.upcoming(dana.c); len(up) != 2 {
		t.Fatalf("%d sessions left, want 2", len(up))
	}

	// From the first: the one a day ahead costs half.
	dana.say("/my").press("Series 1").press("Cancel all 2 sessions").sees("Cancel these 2 sessions?",
		"cancelling them now costs ₪175 in all, for the late ones:\n• Tue 1/12, 24 hours before: 50% of the price (₪175)")
	yes, _ := dana.button("Yes, cancel all 2")
	w.clock.Set(w.clock.Now().Add(90 * time.Minute))
	dana.press("Yes, cancel all 2").sees("the time has passed a boundary of the cancellation policy", "costs ₪350 in all")
	if up := w.upcoming(dana.c); len(up) != 2 {
		t.Fatalf("a boundary passed, yet %d sessions are left", len(up))
	}

	told := w.count(9001)
	dana.press("Yes, cancel all 2").sees("Cancelled: 2 sessions.", "• Tue 1/12, 10:00–10:50\n• Tue 8/12, 10:00–10:50", "Adi Levi has been told")
	if up := w.upcoming(dana.c); len(up) != 0 {
		t.Fatalf("left: %v", up)
	}
	if w.count(9001) != told+1 {
		t.Fatalf("the therapist got %d notices, want one", w.count(9001)-told)
	}
	if n := w.last(9001).Text; !strings.Contains(n, "2 פגישות מסדרה") || strings.Count(n, "• ") != 2 || !strings.Contains(n, "ביטול מאוחר: ג׳ 1/12") {
		t.Fatalf("notice: %s", n)
	}
	if ics := string(w.lastDocument(101).Data); strings.Count(ics, "BEGIN:VEVENT") != 2 || !strings.Contains(ics, "METHOD:CANCEL") {
		t.Fatalf("file:\n%s", ics)
	}
	if n, _ := w.store.Strikes(context.Background(), 101, time.Time{}); n != 1 {
		t.Fatalf("%d strikes, want the one late cancellation", n)
	}

	// A second press of either: nothing more, nobody told.
	dana.pressData(yes.Data).sees("These sessions are already cancelled.")
	if w.count(9001) != told+1 {
		t.Fatal("told twice")
	}
}

// TestSeriesForgedMyButtons: another client's series and cancel buttons
// show Omer nothing of Dana's and cancel nothing.
func TestSeriesForgedMyButtons(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.bookWeekly("4")
	dana.say("/my")
	open, _ := dana.button("Series 1")
	dana.press("Series 1").press("Cancel all 4 sessions")
	yes, _ := dana.button("Yes, cancel all 4")
	first := w.upcoming(dana.c)[0]
	for _, data := range []string{open.Data, "qa:" + first.ID, yes.Data, "q:" + first.ID} {
		omer.pressData(data)
		if strings.Contains(omer.screen.Text, "Talk session") || strings.Contains(omer.screen.Text, "Tue 1/12") {
			t.Fatalf("%s showed Dana's series to Omer:\n%s", data, omer.screen.Text)
		}
	}
	if up := w.upcoming(dana.c); len(up) != 4 {
		t.Fatalf("Omer's presses left Dana %d sessions", len(up))
	}
	for _, data := range []string{"ms:adi", "ms:" + first.ID + "x", "qaa:" + first.ID + ":", "qaa:" + first.ID + ":0a"} {
		omer.pressData(data).sees("no longer works")
	}
}
