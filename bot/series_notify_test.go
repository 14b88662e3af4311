package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/scheduler"
)

// TestHeldSeriesRunsOutOnce: a series taken but never booked (the process
// died between the take and the confirm) runs out with its hold; the
// worker ends every week's hold, and the client is told once, for the
// whole series, not once a week. A single hold is still told as before.
func TestHeldSeriesRunsOutOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dana := w.user(101, "Dana", "en")
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: dana.c, First: w.jlm(date(12, 1), "10:00"), Every: 1, Count: 4}
	p, err := w.bookings.PlanSeries(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.bookings.TakeSeries(ctx, r, p.Starts(), 0); err != nil {
		t.Fatal(err)
	}
	omer := w.user(102, "Omer", "en")
	omer.say("/start talk").press("Adi Levi").press("Wed 2/12").press("10:00").sees("held for you")

	send := func(_ context.Context, r bot.Reply) error { w.deliver(bot.Result{Replies: []bot.Reply{r}}); return nil }
	worker := scheduler.New(scheduler.Config{Practice: w.p, Bookings: w.bookings, Store: w.store,
		Notify: &bot.Notifier{Bot: w.bot, Send: send}, Now: w.clock.Now})
	w.clock.Set(w.clock.Now().Add(16 * time.Minute))
	before := w.count(101)
	if _, err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := worker.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}

	if got := w.count(101) - before; got != 1 {
		t.Fatalf("Dana was told %d times, want once", got)
	}
	if text := shown(w.last(101).Text); !strings.Contains(text, "The 4 sessions you were booking (weekly, on Tuesdays, 10:00–10:50, from Tuesday 1 December 2026) were held for you until 10:15") {
		t.Fatalf("told: %s", text)
	}
	if up := w.upcoming(dana.c); len(up) != 0 {
		t.Fatalf("booked %v", up)
	}
	if text := w.last(102).Text; !strings.Contains(text, "Your hold on Wed 2/12 10:00 ended") {
		t.Fatalf("a single hold told: %s", text)
	}
}
