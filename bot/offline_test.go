package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori"
)

// TestSeriesEndForOfflineClient: before the last session of a series of a
// client without Telegram, nothing is addressed to them; the therapist is
// told the series ends, and that the bot did not ask them.
func TestSeriesEndForOfflineClient(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.bookWeekly("4")
	up := w.upcoming(dana.c)
	last := up[len(up)-1]
	sr, err := w.bookings.Series(ctx, last.Series)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(last.Start.AddDate(0, 0, -6))

	last.Client = tori.Client{ID: tori.OfflineBase + 1, Name: "Dana Cohen"} // as the practice books for one
	rs := w.bot.SeriesEndReplies(ctx, sr, last)
	if len(rs) != 2 {
		t.Fatalf("replies %+v", rs)
	}
	for _, r := range rs {
		if r.ChatID != 9001 && r.ChatID != 9011 {
			t.Fatalf("a reply to chat %d: %q", r.ChatID, r.Text)
		}
		if !strings.Contains(r.Text, "Dana Cohen\u2069 (בלי טלגרם)") || !strings.Contains(r.Text, "הבוט לא שאל אותם") || strings.Contains(r.Text, "tg://user") {
			t.Fatalf("notice %q", r.Text)
		}
	}
}
