package bot_test

import (
	"context"
	"strings"
	"testing"
)

// TestSeriesMarkedForThePractice: the practice's day (/agenda), a
// session's card, /client's history and the daily agenda message mark a
// session of a series with which of it it is, "weekly, 2 of 4" and "every
// 2 weeks, 1 of 4", in the reader's language; a single booking is not
// marked.
func TestSeriesMarkedForThePractice(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.bookWeekly("4")
	omer := w.user(102, "Omer", "en")
	omer.say("/start talk").press("Adi Levi").press("Next week ›").press("Tue 8/12").press("12:00").press("Every 2 weeks").press("4 sessions").
		press("Book 4 sessions").sees("You're booked: 4 sessions.")
	w.bookVideo(w.user(103, "Noa", "en"), "10:00")

	staff := w.user(9500, "Ruth", "en")
	staff.say("/agenda 8/12").sees("Talk session (weekly, 2 of 4)", "Talk session (every 2 weeks, 1 of 4)")
	staff.say("/agenda 2/12").sees("Video session · ")
	if strings.Contains(staff.screen.Text, "(weekly") {
		t.Fatalf("a single booking is marked:\n%s", staff.screen.Text)
	}
	staff.say("/client 101").sees("Tue 1/12 10:00 (weekly, 1 of 4) · ", "Tue 22/12 10:00 (weekly, 4 of 4) · ")

	// The daily agenda, in the therapist's Hebrew.
	ctx := context.Background()
	adi := w.p.Therapists[0]
	as, err := w.bookings.Day(ctx, []string{adi.ID}, date(12, 8))
	if err != nil {
		t.Fatal(err)
	}
	rs := w.bot.AgendaReplies(ctx, adi, date(12, 8), as)
	if len(rs) == 0 || !strings.Contains(shown(rs[0].Text), "(מדי שבוע, 2 מתוך 4)") || !strings.Contains(shown(rs[0].Text), "(אחת לשבועיים, 1 מתוך 4)") {
		t.Fatalf("agenda %+v", rs)
	}
}
