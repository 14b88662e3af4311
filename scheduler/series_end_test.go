package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestSeriesEndAsked: a counted series' client is asked "continue?" once
// its last session is within a week, not before; the therapist is told;
// later runs, and a second worker over the same store, ask nothing more.
func TestSeriesEndAsked(t *testing.T) {
	e := newEnv(t, nil)
	tue := mon.AddDays(1)
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: client(101), First: e.clock.At(tue, "10:00"), Every: 1, Count: 3, ByPractice: true}
	e.takeSeries(r)
	last := e.clock.At(tue.AddDays(14), "10:00")

	e.clock.Set(last.Add(-seriesEndAhead - time.Minute))
	if n := e.run(e.worker.askSeriesEnds); n != 0 {
		t.Fatalf("%d asked more than a week ahead", n)
	}

	e.clock.Set(last.Add(-seriesEndAhead + time.Minute))
	if n := e.run(e.worker.askSeriesEnds); n != 1 {
		t.Fatalf("%d asked, want 1", n)
	}
	got := e.out.to(101)
	if len(got) != 1 || !strings.Contains(got[0].Text, "continue for 3 more") || len(e.out.to(9001)) != 1 {
		t.Fatalf("client got %+v; the therapist %d", got, len(e.out.to(9001)))
	}

	other := newEnvOn(t, e.p, e.store)
	other.clock.Set(e.clock.Now())
	if n := e.run(e.worker.askSeriesEnds) + other.run(other.worker.askSeriesEnds); n != 0 {
		t.Fatalf("asked %d more times", n)
	}
	if len(e.out.to(101)) != 1 {
		t.Fatal("the client was asked twice")
	}
}

// takeSeries plans series r and takes every week of it as planned.
func (e *env) takeSeries(r tori.SeriesRule) tori.Series {
	e.t.Helper()
	ctx := context.Background()
	pl, err := e.bookings.PlanSeries(ctx, r)
	if err != nil {
		e.t.Fatal(err)
	}
	sr, err := e.bookings.TakeSeries(ctx, r, pl.Starts(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return sr
}
