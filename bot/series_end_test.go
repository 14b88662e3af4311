package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori/bot"
)

// TestSeriesContinue: before the last of Dana's 4 weekly sessions she is
// asked whether to continue for 4 more, and the therapist is told the
// series ends; Omer pressing her buttons changes nothing; her "yes" holds
// the same time a week after the last and shows the weeks as any new
// series, booked on confirming (a time taken says so and holds nothing);
// "no" only thanks her.
func TestSeriesContinue(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.bookWeekly("4")
	up := w.upcoming(dana.c)
	last := up[len(up)-1]
	sr, err := w.bookings.Series(ctx, last.Series)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(last.Start.AddDate(0, 0, -6))

	rs := w.bot.SeriesEndReplies(ctx, sr, last)
	w.deliver(bot.Result{Replies: rs})
	if len(rs) != 3 || rs[0].ChatID != 101 || !strings.Contains(w.last(9001).Text, "סדרה מסתיימת") {
		t.Fatalf("replies %+v", rs)
	}
	dana.screen, dana.screenID = rs[0], 900
	dana.sees("Your weekly sessions end on Tuesday 22 December 2026. Would you like to continue for 4 more")

	omer.pressData(rs[0].Keyboard[0][0].Data).sees("not found")
	omer.pressData(rs[0].Keyboard[1][0].Data).sees("not found")
	if up := w.upcoming(omer.c); len(up) != 0 {
		t.Fatalf("Omer's press held %d", len(up))
	}

	dana.press("No, thank you").sees("Thank you. Your last session of the series stays on Tuesday 22 December 2026.")
	if n := len(w.upcoming(dana.c)); n != 1 {
		t.Fatalf("%d sessions ahead after no, want 1", n)
	}

	// The same time a week after the last, held by Omer: nothing is held for her.
	next := last.Start.AddDate(0, 0, 7)
	oh, err := w.bookings.Hold(ctx, omer.c, "talk", "adi", next, 0)
	if err != nil {
		t.Fatal(err)
	}
	dana.screen = rs[0]
	dana.press("Yes, 4 more").sees("(Tuesday 29 December 2026, 10:00–10:50) is not free")
	if err := w.bookings.Release(ctx, omer.c, oh.ID); err != nil {
		t.Fatal(err)
	}

	dana.screen = rs[0]
	dana.press("Yes, 4 more").sees("✅ Tue 29/12", "Tue 19/1").press("Book 4 sessions").sees("You're booked: 4 sessions.")
	if n := len(w.upcoming(dana.c)); n != 5 {
		t.Fatalf("%d sessions ahead, want 5", n)
	}
}
