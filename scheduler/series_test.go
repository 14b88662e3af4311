package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestSeriesJob: a series until further notice is due to book ahead when
// its next week comes within series.ahead; a run then books that week (or
// leaves it out, taken off meanwhile) and puts the series back for its
// next week; a run before that books nothing.
func TestSeriesJob(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	tue := mon.AddDays(1)
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: client(101), First: e.clock.At(tue, "10:00"), Every: 1, ByPractice: true}
	sr := e.takeSeries(r)
	if sr.Next != 8 {
		t.Fatalf("series = %+v", sr)
	}
	if n := e.run(e.worker.extendSeries); n != 0 {
		t.Fatalf("%d extended before they were due", n)
	}

	// A day on, week 8 (26/1) comes within 8 weeks.
	e.clock.Add(24 * time.Hour)
	if n := e.run(e.worker.extendSeries); n != 1 {
		t.Fatalf("%d extended, want 1", n)
	}
	if got, err := e.bookings.Series(ctx, sr.ID); err != nil || got.Next != 9 || len(got.Taken) != 9 {
		t.Fatalf("after a day: %+v %v", got, err)
	}

	// A week later, week 9, which Adi has taken off meanwhile.
	if _, err := e.bookings.Block(ctx, "adi", e.clock.At(tue.AddDays(9*7), "09:00"), e.clock.At(tue.AddDays(9*7), "13:00")); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(7 * 24 * time.Hour)
	if n := e.run(e.worker.extendSeries); n != 1 {
		t.Fatalf("%d extended, want 1", n)
	}
	got, err := e.bookings.Series(ctx, sr.ID)
	if err != nil || got.Next != 10 || len(got.Taken) != 9 || len(got.Missed) != 1 || got.Missed[0] != 9 {
		t.Fatalf("after a week: %+v %v", got, err)
	}
	if n, due, _ := e.store.QueueStats(ctx, tori.QueueSeries, "adi"); n != 1 || !due.Equal(got.ExtendAt) {
		t.Fatalf("queue: %d due %s, want 1 due %s", n, due, got.ExtendAt)
	}
	if n := e.run(e.worker.extendSeries); n != 0 {
		t.Fatalf("%d extended again at once", n)
	}
	up, _ := e.bookings.Upcoming(ctx, client(101))
	if last := up[len(up)-1]; last.SeriesN != 8 || !last.Start.Equal(e.clock.At(tue.AddDays(8*7), "10:00")) {
		t.Fatalf("last booked: week %d at %s", last.SeriesN, last.Start)
	}
}
