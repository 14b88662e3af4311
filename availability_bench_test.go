package tori_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// The week and month views (bot/views.go) ask Bookings.FreeSlots for a
// range of days (Store.Busy, then FreeSlots per therapist) and group the
// times with SlotsByDay to show only days with free times. These
// benchmarks time that for a busy month: a therapist who works every day
// 08:00–20:00 with 300 of December 2026's 372 hourly sessions booked.

const monthBookings = 300

var (
	decFirst = tori.Date{Year: 2026, Month: 12, Day: 1}
	decLast  = tori.Date{Year: 2026, Month: 12, Day: 31}
)

// busyMonth is the practice of one therapist, "bea", working every day
// 08:00–20:00, with a 50-minute "talk" (10 minutes' buffer), the time the
// views are asked at (Monday 30 November 2026, 10:00), and the starts of
// monthBookings hourly sessions spread over December.
func busyMonth(tb testing.TB) (p *tori.Practice, now time.Time, starts []time.Time) {
	tb.Helper()
	var hours tori.WeeklyHours
	for d := range hours {
		hours[d] = []tori.Span{span("08:00", "20:00")}
	}
	p = &tori.Practice{
		Name: "Busy Practice", Location: mustLoad("Asia/Jerusalem"), Language: "en", Address: "1 Herzl St, Tel Aviv",
		Therapists: []tori.Therapist{{ID: "bea", Name: "Bea", TelegramIDs: []int64{9003}, Hours: hours}},
		Services: []tori.Service{{ID: "talk", Names: map[string]string{"en": "Talk session"}, Duration: 50 * time.Minute,
			BufferAfter: 10 * time.Minute, Price: tori.Money{Amount: 35000, Currency: "ILS"}}},
		Policy: tori.DefaultPolicy(),
	}
	if err := p.Validate(); err != nil {
		tb.Fatal(err)
	}
	var all []time.Time
	for d := decFirst; !d.After(decLast); d = d.AddDays(1) {
		for h := 8; h < 20; h++ {
			all = append(all, d.At(tori.Minute(h*60), p.Location))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(len(all))[:monthBookings] {
		starts = append(starts, all[i])
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	return p, time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location), starts
}

// BenchmarkMonthAvailability is the pure part: FreeSlots over December with
// the 300 busy intervals, then SlotsByDay.
func BenchmarkMonthAvailability(b *testing.B) {
	p, now, starts := busyMonth(b)
	bea, talk := p.Therapists[0], p.Services[0]
	busy := make([]tori.Interval, len(starts))
	for i, st := range starts {
		busy[i] = tori.Interval{Start: st, End: st.Add(talk.Duration + talk.BufferAfter), ID: "a" + st.Format("0102T15")}
	}
	want := 31*12 - monthBookings
	b.ReportAllocs()
	for b.Loop() {
		slots := tori.FreeSlots(p, bea, talk, decFirst, decLast, busy, now)
		byDay := tori.SlotsByDay(slots, p.Location)
		if len(byDay) == 0 || len(slots) < want {
			b.Fatalf("%d free times on %d days, want at least %d", len(slots), len(byDay), want)
		}
	}
}

// BenchmarkMonthAvailabilityRedis is the call the views make:
// Bookings.FreeSlots over December through the real store, with 300
// confirmed bookings in Redis, then SlotsByDay.
func BenchmarkMonthAvailabilityRedis(b *testing.B) {
	ctx := context.Background()
	p, now, starts := busyMonth(b)
	bk := &tori.Bookings{Practice: p, Store: storagetest.MustStore(b), Now: func() time.Time { return now }}
	for i, st := range starts {
		c := tori.Client{ID: int64(1000 + i), ChatID: int64(1000 + i), Lang: "en"}
		h, err := bk.Hold(ctx, c, "talk", "bea", st, 0)
		if err != nil {
			b.Fatalf("hold %s: %v", st, err)
		}
		if _, err := bk.Confirm(ctx, c, h.ID); err != nil {
			b.Fatalf("confirm %s: %v", st, err)
		}
	}
	// The same answer as the pure computation over the same bookings.
	var busy []tori.Interval
	for _, st := range starts {
		busy = append(busy, tori.Interval{Start: st, End: st.Add(time.Hour)})
	}
	want := len(tori.FreeSlots(p, p.Therapists[0], p.Services[0], decFirst, decLast, busy, now))
	b.ReportAllocs()
	for b.Loop() {
		slots, err := bk.FreeSlots(ctx, "talk", "bea", decFirst, decLast)
		if err != nil {
			b.Fatal(err)
		}
		times := make([]time.Time, len(slots))
		for i, s := range slots {
			times[i] = s.Start
		}
		byDay := tori.SlotsByDay(times, p.Location)
		if len(slots) != want || len(byDay) == 0 {
			b.Fatalf("%d free times on %d days, want %d", len(slots), len(byDay), want)
		}
	}
}
