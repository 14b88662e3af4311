package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
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

// TestSeriesEndAskedAgainAfterFailedSend: when Telegram takes none of the
// "continue?" messages, the ask is given back and the next run asks; once
// delivered, it is not asked again.
func TestSeriesEndAskedAgainAfterFailedSend(t *testing.T) {
	e := newEnv(t, nil)
	tue := mon.AddDays(1)
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: client(101), First: e.clock.At(tue, "10:00"), Every: 1, Count: 3, ByPractice: true}
	e.takeSeries(r)
	e.clock.Set(e.clock.At(tue.AddDays(14), "10:00").Add(-seriesEndAhead + time.Minute))

	failed := 0
	e.out.fail = func(bot.Reply) error {
		failed++
		return errors.New("telegram: 502 bad gateway")
	}
	if n := e.run(e.worker.askSeriesEnds); n != 0 || failed == 0 {
		t.Fatalf("%d asked though nothing was delivered (%d failed sends)", n, failed)
	}

	e.out.fail = nil
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.askSeriesEnds); n != 1 {
		t.Fatalf("%d asked after the failure, want 1", n)
	}
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.askSeriesEnds); n != 0 {
		t.Fatalf("asked %d more times", n)
	}
	if got := e.out.to(101); len(got) != 1 || !strings.Contains(got[0].Text, "continue for 3 more") {
		t.Fatalf("the client got:\n%s", texts(got))
	}
}
