package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori"
)

// TestPracticeCancelsSeriesFrom: from the card of the second of Dana's 4
// weekly sessions the practice cancels it and the later ones, after seeing
// their dates; Dana is told once, listing them, with a calendar file; the
// first session stays; the series books no more; a second press, and
// Omer's press of the same buttons, change nothing and tell nobody.
func TestPracticeCancelsSeriesFrom(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.bookWeekly("4")
	up := w.upcoming(dana.c)
	second := up[1]

	staff := w.user(9500, "Ruth", "en")
	staff.say("/agenda 8/12").press("10:00 · Dana").press("Cancel this and all later ones").
		sees("Cancel these 3 sessions of the series as the practice?", "Tue 8/12", "Tue 15/12", "Tue 22/12", "refunded in full")
	ask := staff.screen
	if strings.Contains(shown(ask.Text), "Tue 1/12") {
		t.Fatalf("the first session is listed:\n%s", ask.Text)
	}

	// Omer presses the practice's buttons: nothing changes.
	before := w.count(dana.c.ChatID)
	omer.screen = ask
	omer.press("Yes, cancel all 3")
	omer.pressData("aq:" + second.ID)
	if n := len(w.upcoming(dana.c)); n != 4 {
		t.Fatalf("Omer's press cancelled: %d left", n)
	}

	staff.press("Yes, cancel all 3").sees("Cancelled as the practice: 3 sessions of the series.")
	if left := w.upcoming(dana.c); len(left) != 1 || left[0].ID != up[0].ID {
		t.Fatalf("left: %+v", left)
	}
	told := w.inbox[dana.c.ChatID][before:]
	if len(told) != 2 || !strings.Contains(shown(told[0].Text), "3 sessions of your series have been cancelled by the practice") ||
		!strings.Contains(shown(told[0].Text), "Tue 22/12") || told[1].Document == nil {
		t.Fatalf("Dana was told: %+v", told)
	}

	// A second press tells nobody again.
	staff.screen = ask
	staff.press("Yes, cancel all 3")
	if n := w.count(dana.c.ChatID); n != before+2 {
		t.Fatalf("Dana was told again: %d messages", n-before)
	}
	sr, err := w.bookings.Series(ctx, second.Series)
	if err != nil || sr.Status != tori.StatusCancelledByPractice {
		t.Fatalf("series %+v %v", sr, err)
	}
	if ttl := w.store.Redis.PTTL(ctx, seriesKeyOf(w, sr.ID)).Val(); ttl <= 0 {
		t.Fatalf("the ended series is kept for ever (ttl %s)", ttl)
	}
}

// seriesKeyOf is the Redis key of series id (storage/keys.go's seriesKey).
func seriesKeyOf(w *world, id string) string {
	tid, _ := tori.TherapistOfID(id)
	return w.store.Prefix + "{t:" + tid + "}:series:" + id
}

// TestBlockOverSeries: time off over two of Dana's weekly sessions lists
// them as any booking (each marked with its place in the series) before
// asking, and cancelling them with the block leaves her other two.
func TestBlockOverSeries(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.bookWeekly("4")
	staff := w.user(9500, "Ruth", "en")
	staff.pressData("bx:adi:D2026120820261215").sees("Dana", "Talk session (weekly, 2 of 4)", "Talk session (weekly, 3 of 4)")
	if strings.Contains(shown(staff.screen.Text), "1 of 4") || strings.Contains(shown(staff.screen.Text), "4 of 4") {
		t.Fatalf("sessions outside the block listed:\n%s", staff.screen.Text)
	}
	staff.pressData("by:adi:D2026120820261215:c")
	if left := w.upcoming(dana.c); len(left) != 2 || left[0].SeriesN != 0 || left[1].SeriesN != 3 {
		t.Fatalf("left after the block: %+v", left)
	}
}
