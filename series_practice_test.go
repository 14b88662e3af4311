package tori_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestSeriesKeepsWallClockAcrossDST: every week starts at 10:00 in the
// practice's zone across Asia/Jerusalem's and Europe/London's spring and
// autumn changes (the UTC time moves by the hour), as planned and as
// booked.
func TestSeriesKeepsWallClockAcrossDST(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, zone string
		now, first time.Time // in the zone, set below
		y          int
		m          time.Month
		d          int
		utc        []int // the UTC hour of each week's 10:00
		byPractice bool
	}{
		{name: "Jerusalem spring", zone: "Asia/Jerusalem", y: 2026, m: 3, d: 22, utc: []int{8, 7, 7}},
		{name: "Jerusalem autumn", zone: "Asia/Jerusalem", y: 2026, m: 10, d: 18, utc: []int{7, 8, 8}, byPractice: true},
		{name: "London spring", zone: "Europe/London", y: 2026, m: 3, d: 22, utc: []int{10, 9, 9}},
		{name: "London autumn", zone: "Europe/London", y: 2026, m: 10, d: 18, utc: []int{9, 10, 10}, byPractice: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := practice()
			p.Location = mustLoad(tc.zone)
			b := &tori.Bookings{Practice: testpractice.Valid(p), Store: storagetest.MustStore(t)}
			first := time.Date(tc.y, tc.m, tc.d, 10, 0, 0, 0, p.Location) // a Sunday
			now := first.AddDate(0, 0, -10)
			b.Now = func() time.Time { return now }
			r := weekly(first, len(tc.utc))
			r.ByPractice = tc.byPractice

			pl := mustPlan(t, b, r)
			for i, o := range pl.Occurrences {
				local := o.Start.In(p.Location)
				if local.Format("Mon 15:04") != "Sun 10:00" || o.Start.UTC().Hour() != tc.utc[i] || o.Conflict != "" || o.Warn != "" {
					t.Fatalf("week %d: %s (%s UTC) %v, want Sunday 10:00 (%02d:00 UTC), free", i, local, o.Start.UTC().Format("15:04"), o, tc.utc[i])
				}
			}
			sr, err := b.TakeSeries(ctx, r, pl.Starts(), 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range sr.Taken {
				a, err := b.Store.Appointment(ctx, e.ID)
				if err != nil || a.Start.In(p.Location).Format("15:04") != "10:00" || a.Start.UTC().Hour() != tc.utc[i] || a.End.Sub(a.Start) != 50*time.Minute {
					t.Fatalf("booked week %d: %+v %v", i, a, err)
				}
			}
		})
	}
}

// TestSeriesSkippedWallTime: a weekly 02:30 that does not exist on the
// night Jerusalem's clocks go forward (Friday 27 March 2026) is listed as
// a conflict to confirm, at 03:30 (RFC 5545's reading) with the nearest
// free time that week; the practice may book it there, and the times
// outside working hours, only after "book anyway".
func TestSeriesSkippedWallTime(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	loc := b.Practice.Location
	c.t = time.Date(2026, 3, 10, 10, 0, 0, 0, loc)
	r := weekly(time.Date(2026, 3, 20, 2, 30, 0, 0, loc), 3)
	r.ByPractice = true
	pl := mustPlan(t, b, r)
	w := pl.Occurrences
	if w[0].Warn != tori.ReasonOutsideHours || w[0].Conflict != "" || w[2].Warn != tori.ReasonOutsideHours {
		t.Fatalf("Fridays 02:30 = %v / %v, want warned: outside hours", w[0], w[2])
	}
	if w[1].Conflict != tori.ReasonClockChange || w[1].Start.In(loc).Format("Jan 2 15:04") != "Mar 27 03:30" {
		t.Fatalf("27 March = %v, want a clock change at 03:30", w[1])
	}
	if near := w[1].Near.In(loc); near.Format("Jan 2 15:04") != "Mar 26 18:00" {
		t.Fatalf("its nearest free time = %s, want Thursday 26 March 18:00", near)
	}

	starts := []time.Time{w[0].Start, w[1].Start, w[2].Start}
	if _, err := b.TakeSeries(ctx, r, starts, 0); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("outside hours without book anyway = %v, want EINVALID", err)
	}
	r.Anyway = true
	sr, err := b.TakeSeries(ctx, r, starts, 0)
	if err != nil || sr.Status != tori.StatusConfirmed {
		t.Fatalf("booked anyway = %+v %v", sr, err)
	}
	a, err := b.Store.Appointment(ctx, sr.Taken[1].ID)
	if err != nil || !a.Start.Equal(w[1].Start) || a.Status != tori.StatusConfirmed {
		t.Fatalf("27 March booked as %+v %v", a, err)
	}
}

// TestSeriesByPracticeOutsideHours: a series the practice books may go
// outside working hours (warned, with the nearest time within them), but
// never over another booking; booked at once, it stands in the client's
// bookings and not among their holds.
func TestSeriesByPracticeOutsideHours(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	h, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue.AddDays(14), "19:30"), 0)
	if err == nil {
		t.Fatal("19:30 offered to a client")
	}
	if h, err = b.Hold(ctx, omer, "talk", "adi", at(b, tue.AddDays(14), "18:00"), 0); err != nil {
		t.Fatal(err)
	}
	r := weekly(at(b, tue, "18:30"), 4) // ends 19:20, past Adi's 19:00
	r.ByPractice = true
	pl := mustPlan(t, b, r)
	for i, o := range pl.Occurrences {
		switch {
		case i == 2 && (o.Conflict != tori.ReasonHold || o.Blocker != h.ID):
			t.Fatalf("week 3 = %v, want Omer's hold in the way", o)
		case i != 2 && (o.Conflict != "" || o.Warn != tori.ReasonOutsideHours || !o.Near.Equal(o.Start.Add(-30*time.Minute))):
			t.Fatalf("week %d = %v, want warned, 18:00 nearest", i, o)
		}
	}
	r.Anyway = true
	if _, err := b.TakeSeries(ctx, r, []time.Time{pl.Occurrences[0].Start, pl.Occurrences[1].Start, pl.Occurrences[2].Start, {}}, 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("over Omer's hold = %v, want ECONFLICT", err)
	}
	sr, err := b.TakeSeries(ctx, r, pl.Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Missed) != 0 || len(sr.Taken) != 4 {
		t.Fatalf("series = %+v", sr)
	}
	up, _ := b.Upcoming(ctx, dana)
	if len(up) != 4 || up[0].Status != tori.StatusConfirmed || up[0].Series != sr.ID || !up[2].Start.Equal(pl.Occurrences[2].Near) {
		t.Fatalf("Dana's bookings: %+v", up)
	}
	for _, hm := range []string{"10:00", "11:00"} { // her holds are free: the series is none
		if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, hm), 0); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenEndedSeries: "until further notice" books the weeks within
// series.ahead; as time passes ExtendSeries books the next ones, leaves
// out a week taken meanwhile and a day off (returned, with the nearest
// time), and books nothing twice.
func TestOpenEndedSeries(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookingsOff(t, tori.Date{Year: 2027, Month: 2, Day: 9})
	r := weekly(at(b, tue, "10:00"), 0)
	r.ByPractice = true
	pl := mustPlan(t, b, r)
	if len(pl.Occurrences) != 8 { // 1/12 … 19/1: those before 30/11 + 8 weeks
		t.Fatalf("%d weeks planned, want 8", len(pl.Occurrences))
	}
	sr, err := b.TakeSeries(ctx, r, pl.Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := at(b, tue, "10:00"); !sr.ExtendAt.Equal(want) || sr.Next != 8 {
		t.Fatalf("next %d at %s, want 8 at %s", sr.Next, sr.ExtendAt, want)
	}
	if missed, next, err := b.ExtendSeries(ctx, sr.ID, c.t); err != nil || len(missed) != 0 || !next.Equal(sr.ExtendAt) {
		t.Fatalf("extended before its time: %v %s %v", missed, next, err)
	}

	// Three weeks on, Omer has taken 2/2.
	c.t = c.t.Add(21 * 24 * time.Hour)
	feb2 := tori.Date{Year: 2027, Month: 2, Day: 2}
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, feb2, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	missed, next, err := b.ExtendSeries(ctx, sr.ID, c.t)
	if err != nil {
		t.Fatal(err)
	}
	if len(missed) != 2 || missed[0].Week != 9 || missed[0].Conflict != tori.ReasonHold || missed[0].Near.IsZero() ||
		missed[1].Week != 10 || missed[1].Warn != tori.ReasonDayOff {
		t.Fatalf("missed = %v", missed)
	}
	if want := at(b, tue.AddDays(11*7), "10:00").Add(-8 * 7 * 24 * time.Hour); !next.Equal(want) {
		t.Fatalf("next = %s, want %s", next, want)
	}
	got, err := b.Series(ctx, sr.ID)
	if err != nil || got.Next != 11 || !slices.Equal(got.Missed, []int{9, 10}) || len(got.Taken) != 9 || got.Taken[8].Week != 8 {
		t.Fatalf("series = %+v %v", got, err)
	}
	if again, _, err := b.ExtendSeries(ctx, sr.ID, c.t); err != nil || len(again) != 0 {
		t.Fatalf("extended twice: %v %v", again, err)
	}
	up, _ := b.Upcoming(ctx, dana)
	if len(up) != 6 || up[len(up)-1].SeriesN != 8 { // 22/12 … 26/1
		t.Fatalf("Dana's upcoming: %d, last week %d", len(up), up[len(up)-1].SeriesN)
	}
}

// TestSeriesRace: goroutines taking overlapping series of one therapist at
// the same moment, each with its own connection, leave one of each
// overlapping pair booked and no two blocks overlapping.
func TestSeriesRace(t *testing.T) {
	ctx := context.Background()
	p := practice()
	store := storagetest.MustStore(t)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location)
	const takers = 6
	var start sync.WaitGroup
	start.Add(1)
	var won sync.Map
	var wg sync.WaitGroup
	for i := range takers {
		// Each its own Redis connection pool, under the same prefix.
		s := storagetest.MustStore(t)
		s.Prefix = store.Prefix
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &tori.Bookings{Practice: p, Store: s, Now: func() time.Time { return now }}
			c := tori.Client{ID: int64(500 + i), ChatID: int64(500 + i), Lang: "en"}
			first := at(b, tue, "09:00").Add(time.Duration(i) * 30 * time.Minute) // each overlaps its neighbours
			r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: c, First: first, Every: 1, Count: 6, ByPractice: i%2 == 0}
			pl, err := b.PlanSeries(ctx, r)
			if err != nil {
				t.Error(err)
				return
			}
			start.Wait()
			sr, err := b.TakeSeries(ctx, r, pl.Starts(), 0)
			switch {
			case err == nil && !r.ByPractice:
				_, err = b.ConfirmSeries(ctx, c, sr.ID)
				won.Store(i, sr.ID)
			case err == nil:
				won.Store(i, sr.ID)
			case tori.ErrorCode(err) == tori.ECONFLICT:
				return
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	start.Done()
	wg.Wait()

	b := &tori.Bookings{Practice: p, Store: store, Now: func() time.Time { return now }}
	busy := busyBetween(t, b, at(b, tue, "00:00"), at(b, tue.AddDays(50), "00:00"))
	n := 0
	won.Range(func(any, any) bool { n++; return true })
	if n == 0 || n > takers/2+1 || len(busy) != 6*n {
		t.Fatalf("%d series won, %d blocks busy", n, len(busy))
	}
	for i, a := range busy {
		for _, o := range busy[i+1:] {
			if a.Start.Before(o.End) && o.Start.Before(a.End) {
				t.Fatalf("%s overlaps %s", a.ID, o.ID)
			}
		}
	}
}
