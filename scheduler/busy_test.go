package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/busy/busytest"
	"github.com/tori-bot/tori/metrics"
)

// busyFeed is a calendar with one event, Tuesday 1 December 11:00–12:00 in Jerusalem.
const busyFeed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@google.com\r\n" +
	"DTSTART;TZID=Asia/Jerusalem:20261201T110000\r\nDTEND;TZID=Asia/Jerusalem:20261201T120000\r\nSUMMARY:Doctor\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// calendarEnv is env with Adi's own calendar at the fake host's /body.
func calendarEnv(t *testing.T) (*env, *busytest.Server, tori.BusyCalendar) {
	srv := busytest.New(t, false)
	p := testPractice()
	p.Therapists[0].BusyCalendars = []tori.BusyCalendar{{URL: srv.URL + "/body", AllDay: tori.AllDayBlock}}
	e := newEnv(t, p)
	e.worker.cfg.Calendars = busy.Reader(&busy.Fetcher{Client: srv.Client()}, p.Location)
	return e, srv, p.Therapists[0].BusyCalendars[0]
}

// TestPollCalendars: a calendar is read every busy_calendars.every; its
// busy time refuses a hold; an unchanged one is a 304 and no write; a
// failed read keeps the busy times; a changed one replaces them; a new day
// reads it in full.
func TestPollCalendars(t *testing.T) {
	ctx := context.Background()
	e, srv, cal := calendarEnv(t)
	srv.SetBody([]byte(busyFeed))
	tue := mon.AddDays(1)

	if n := e.run(e.worker.pollCalendars); n != 1 {
		t.Fatalf("first poll replaced %d calendars, want 1", n)
	}
	if _, err := e.bookings.Hold(ctx, client(101), "talk", "adi", e.clock.At(tue, "11:00"), 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("a hold over the busy time = %v, want ECONFLICT", err)
	}
	first, _ := e.store.BusyState(ctx, "adi", cal.Source())

	// Not due yet, then due and unchanged: one 304, nothing written.
	if n := e.run(e.worker.pollCalendars); n != 0 {
		t.Fatalf("a poll before every: %d", n)
	}
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, cal)
	if n := e.run(e.worker.pollCalendars); n != 0 {
		t.Fatalf("an unchanged calendar replaced %d", n)
	}
	if full, not := srv.Answers("/body"); full != 1 || not != 1 {
		t.Fatalf("the host sent %d bodies and %d 304s, want 1 and 1", full, not)
	}
	if st, _ := e.store.BusyState(ctx, "adi", cal.Source()); !st.At.Equal(first.At) {
		t.Fatalf("an unchanged read wrote its state: %v, was %v", st.At, first.At)
	}

	// A failed read (a sign-in page) keeps the busy time.
	srv.SetBody([]byte("<html>Sign in</html>"))
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, cal)
	e.run(e.worker.pollCalendars)
	if _, err := e.bookings.Hold(ctx, client(102), "talk", "adi", e.clock.At(tue, "11:00"), 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("after a failed read, a hold over the busy time = %v, want ECONFLICT", err)
	}

	// The event deleted: the time is free.
	srv.SetBody([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"))
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, cal)
	if n := e.run(e.worker.pollCalendars); n != 1 {
		t.Fatalf("a changed calendar replaced %d, want 1", n)
	}
	if _, err := e.bookings.Hold(ctx, client(103), "talk", "adi", e.clock.At(tue, "11:00"), 0); err != nil {
		t.Fatalf("a hold once the event is gone: %v", err)
	}

	// The next day, the same calendar is read in full (the horizon has a new day).
	e.clock.Set(e.clock.At(tue, "08:00"))
	mustClaimLapse(t, e, cal)
	e.run(e.worker.pollCalendars)
	if full, _ := srv.Answers("/body"); full != 4 {
		t.Fatalf("the host sent %d bodies, want 4 (the new day's read in full)", full)
	}

	// The metrics per source.
	for outcome, want := range map[string]float64{"changed": 3, "unchanged": 1, "failed": 1} {
		if got := testutil.ToFloat64(metrics.BusyReads.WithLabelValues("adi", cal.Source(), outcome)); got != want {
			t.Errorf("reads %s = %v, want %v", outcome, got, want)
		}
	}
	if got := testutil.ToFloat64(metrics.BusyLastSuccess.WithLabelValues("adi", cal.Source())); got != float64(e.clock.Now().Unix()) {
		t.Errorf("last success = %v, want the last read's time", got)
	}
}

// mustClaimLapse drops the poll round's claim, as its lease (every) would
// run out in Redis while the test's clock moves by itself.
func mustClaimLapse(t *testing.T, e *env, _ tori.BusyCalendar) {
	t.Helper()
	if err := e.store.Forget(context.Background(), "busypoll", "round"); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBusyPoll is a poll of 100 therapists whose calendars are
// unchanged: a conditional request each (a 304) and no Redis write but
// the round's claim (TestBusyPollBudget counts the commands).
func BenchmarkBusyPoll(b *testing.B) {
	ctx := context.Background()
	e, srv := hundredCalendars(b)

	for b.Loop() {
		b.StopTimer()
		e.store.Forget(ctx, "busypoll", "round")
		b.StartTimer()
		if n := e.run(e.worker.pollCalendars); n != 0 {
			b.Fatalf("an unchanged poll replaced %d", n)
		}
	}
	if _, not := srv.Answers("/body"); not < 100 {
		b.Fatalf("%d 304s", not)
	}
}

// hundredCalendars is env with 100 therapists of one calendar each, read
// once (so the next round finds them unchanged).
func hundredCalendars(tb testing.TB) (*env, *busytest.Server) {
	srv := busytest.New(tb, false)
	srv.SetBody(busytest.All(busytest.Google))
	p := testPractice()
	base := p.Therapists[0]
	p.Therapists = nil
	for i := range 100 {
		t := base
		t.ID = fmt.Sprintf("t%d", i)
		t.BusyCalendars = []tori.BusyCalendar{{URL: fmt.Sprintf("%s/body?t=%d", srv.URL, i), AllDay: tori.AllDayBlock}}
		p.Therapists = append(p.Therapists, t)
	}
	e := newEnv(tb, p)
	e.worker.cfg.Calendars = busy.Reader(&busy.Fetcher{Client: srv.Client()}, p.Location)
	if n := e.run(e.worker.pollCalendars); n != 100 {
		tb.Fatalf("first poll replaced %d, want 100", n)
	}
	return e, srv
}

// TestPollClearsOldCalendars: a calendar taken out of tori.yaml frees its
// busy times at the worker's first poll.
func TestPollClearsOldCalendars(t *testing.T) {
	ctx := context.Background()
	e, srv, _ := calendarEnv(t)
	srv.SetBody([]byte(busyFeed))
	e.run(e.worker.pollCalendars)

	// The same store, a new worker whose tori.yaml has no calendar.
	p := testPractice()
	e2 := newEnvOn(t, p, e.store)
	e2.worker.cfg.Calendars = e.worker.cfg.Calendars
	e2.run(e2.worker.pollCalendars)
	if src, _ := e.store.BusySources(ctx, "adi"); len(src) != 0 {
		t.Fatalf("sources = %v, want none", src)
	}
	if _, err := e.bookings.Hold(ctx, client(101), "talk", "adi", e.clock.At(mon.AddDays(1), "11:00"), 0); err != nil {
		t.Fatalf("a hold where the old calendar was busy: %v", err)
	}
}

// TestPollTellsBusyOverBooking: a busy time read over a booked session
// leaves it booked and tells the therapist once, with the busy time and
// the session; the calendar read again in full tells nothing more.
func TestPollTellsBusyOverBooking(t *testing.T) {
	ctx := context.Background()
	e, srv, cal := calendarEnv(t)
	tue := mon.AddDays(1)
	a := e.book(client(101), "talk", e.clock.At(tue, "11:30"))
	before := len(e.out.to(9001))

	srv.SetBody([]byte(busyFeed))
	e.run(e.worker.pollCalendars)
	got := e.out.to(9001)[before:]
	if len(got) != 1 || !strings.Contains(got[0].Text, "Your calendar has Tuesday 1 December 2026, 11:00–12:00 busy, over") ||
		!strings.Contains(got[0].Text, "Client 101</a>'s session: Talk session, Tuesday 1 December 2026, 11:30–12:20") {
		t.Fatalf("therapist was told:\n%s", texts(got))
	}
	if cur, err := e.store.Appointment(ctx, a.ID); err != nil || cur.Status != tori.StatusConfirmed {
		t.Fatalf("the session after the import: %v, %v; want it confirmed still", cur.Status, err)
	}

	// Read in full again (the validators forgotten): the same busy time, no second notice.
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, cal)
	srv.SetBody([]byte(strings.Replace(busyFeed, "SUMMARY:Doctor", "SUMMARY:Doctor (moved room)", 1)))
	e.run(e.worker.pollCalendars)
	if n := len(e.out.to(9001)) - before; n != 1 {
		t.Fatalf("therapist was told %d times, want once", n)
	}
}

// TestPollTellsStaleOnce: a calendar that fails for stale_after is told of
// once, in words for its failure; when it is read again, that is told once.
func TestPollTellsStaleOnce(t *testing.T) {
	e, srv, cal := calendarEnv(t)
	srv.SetBody([]byte(busyFeed))
	e.run(e.worker.pollCalendars)
	before := len(e.out.to(9001))
	next := func(d time.Duration) {
		e.clock.Add(d)
		mustClaimLapse(t, e, cal)
		e.run(e.worker.pollCalendars)
	}

	srv.SetBody([]byte("<html>Sign in</html>"))
	next(e.p.Busy.Every)
	if n := len(e.out.to(9001)) - before; n != 0 {
		t.Fatalf("told after one failure: %s", texts(e.out.to(9001)[before:]))
	}
	next(e.p.Busy.StaleAfter)
	next(e.p.Busy.Every)
	got := e.out.to(9001)[before:]
	if len(got) != 1 || !strings.Contains(got[0].Text, "Your calendar at 127.0.0.1 has not been read since Monday 30 November 2026, 10:05: the address does not send a calendar.") {
		t.Fatalf("stale calendar told:\n%s", texts(got))
	}

	srv.SetBody([]byte(busyFeed))
	next(e.p.Busy.Every)
	next(e.p.Busy.Every)
	got = e.out.to(9001)[before:]
	if len(got) != 2 || !strings.Contains(got[1].Text, "Your calendar at 127.0.0.1 is read again") {
		t.Fatalf("recovery told:\n%s", texts(got))
	}
}
