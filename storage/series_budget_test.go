package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// The Redis budgets of a series (docs/PERFORMANCE.md). A change that needs
// more fails here; one that needs less should lower them (and the
// document).
const (
	// Round trips to Redis (a pipeline is one) for a client's series of
	// any length, planned, held and confirmed on one server: the plan's
	// read, the prepayment decision and the take, the series' read and
	// its confirmation (5 measured).
	budgetRoundTripsPerSeries = 5
	// Weeks in the series measured.
	budgetSeriesWeeks = 52
)

// TestSeriesRedisBudgets measures, on a redis-server of its own, a
// client's single booking (hold and confirm, through tori.Bookings) and a
// client's 52-week series (plan, take and confirm): round trips, the
// commands Redis executes (INFO commandstats, those inside scripts
// included) and the memory every key takes (MEMORY USAGE). A week of a
// series may cost no more commands and no more memory than a booking.
func TestSeriesRedisBudgets(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	trips := &storagetest.Trips{}
	rdb.AddHook(trips)
	ctx := context.Background()
	p := testpractice.New()
	p.Policy.MaxDaysAhead = 366
	p.Series.MaxOccurrences = budgetSeriesWeeks
	p = testpractice.Valid(p)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location)
	b := &tori.Bookings{Practice: p, Store: storage.New(rdb, "tori:"), Now: func() time.Time { return now }}
	tue := tori.Date{Year: 2026, Month: 12, Day: 1}

	// A booking: each a new client's first, at its own hour with Adi
	// (Monday to Thursday: Sundays are for her series).
	var slots []time.Time
	for d := tue; len(slots) < 420; d = d.AddDays(1) {
		if wd := d.Weekday(); wd >= time.Monday && wd <= time.Thursday {
			for _, h := range []int{9, 10, 11, 12, 15, 16, 17, 18} {
				slots = append(slots, d.At(tori.Minute(60*h), p.Location))
			}
		}
	}
	n := 0
	book := func() {
		t.Helper()
		c := tori.Client{ID: int64(20000 + n), ChatID: int64(20000 + n), Name: "Client", Username: "client", Lang: "en"}
		start := slots[n]
		n++
		h, err := b.Hold(ctx, c, "talk", "adi", start, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Confirm(ctx, c, h.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A series: each a new client's, weekly at its own hour (on Tuesdays
	// with Noa, or on Sundays with Adi).
	m := 0
	series := func(tid string, day tori.Date, from int) {
		t.Helper()
		c := tori.Client{ID: int64(30000 + m), ChatID: int64(30000 + m), Name: "Client", Username: "client", Lang: "en"}
		first := day.At(tori.Minute(60*(from+m)), p.Location)
		m++
		r := tori.SeriesRule{TherapistID: tid, ServiceID: "talk", Client: c, First: first, Every: 1, Count: budgetSeriesWeeks}
		pl, err := b.PlanSeries(ctx, r)
		if err != nil || len(pl.Conflicts()) != 0 {
			t.Fatalf("plan: %v %v", err, pl.Conflicts())
		}
		sr, err := b.TakeSeries(ctx, r, pl.Starts(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.ConfirmSeries(ctx, c, sr.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A prepaid series: taken, its first week to pay now and every later
	// one awaiting its payment (nothing to confirm); on Sunday afternoons
	// with Adi.
	k := 0
	prepaid := func() {
		t.Helper()
		c := tori.Client{ID: int64(40000 + k), ChatID: int64(40000 + k), Name: "Client", Username: "client", Lang: "en"}
		first := tue.AddDays(5).At(tori.Minute(60*(15+k)), p.Location)
		k++
		r := tori.SeriesRule{TherapistID: "adi", ServiceID: "intake", Client: c, First: first, Every: 1, Count: budgetSeriesWeeks}
		pl, err := b.PlanSeries(ctx, r)
		if err != nil || len(pl.Conflicts()) != 0 {
			t.Fatalf("plan: %v %v", err, pl.Conflicts())
		}
		if _, err := b.TakeSeries(ctx, r, pl.Starts(), 0); err != nil {
			t.Fatal(err)
		}
	}
	measure := func(do func()) (rt, cmds int, by string) {
		t.Helper()
		storagetest.Quiet(t, rdb)
		if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		trips.Reset()
		do()
		storagetest.Quiet(t, rdb)
		cmds, by = storagetest.CommandStats(t, rdb)
		return trips.Reset(), cmds, by
	}

	// First three series with each therapist: scripts are loaded, and
	// their schedules are as a practice's are after a few months, past
	// the 128 entries Redis keeps in its compact encodings.
	sun := tue.AddDays(5)
	for range 3 {
		series("adi", sun, 9)
	}
	for range 3 {
		series("noa", tue, 12-3)
	}
	book()
	onNoa := func() { series("noa", tue, 12-3) }
	bookRT, bookCmds, bookBy := measure(book)
	seriesRT, seriesCmds, seriesBy := measure(onNoa)
	t.Logf("a booking: %d round trips, %d commands: %s", bookRT, bookCmds, bookBy)
	t.Logf("a %d-week series: %d round trips, %d commands (%.1f a week): %s", budgetSeriesWeeks, seriesRT, seriesCmds, float64(seriesCmds)/budgetSeriesWeeks, seriesBy)
	if seriesRT > budgetRoundTripsPerSeries {
		t.Errorf("a series took %d round trips; the budget is %d (docs/PERFORMANCE.md)", seriesRT, budgetRoundTripsPerSeries)
	}
	if seriesCmds > bookCmds*budgetSeriesWeeks {
		t.Errorf("a series week made Redis execute %.1f commands; a booking %d", float64(seriesCmds)/budgetSeriesWeeks, bookCmds)
	}
	prepaid()
	paidRT, paidCmds, paidBy := measure(prepaid)
	t.Logf("a %d-week prepaid series: %d round trips, %d commands (%.1f a week): %s", budgetSeriesWeeks, paidRT, paidCmds, float64(paidCmds)/budgetSeriesWeeks, paidBy)
	if paidRT > budgetRoundTripsPerSeries {
		t.Errorf("a prepaid series took %d round trips; the budget is %d (docs/PERFORMANCE.md)", paidRT, budgetRoundTripsPerSeries)
	}
	if paidCmds > bookCmds*budgetSeriesWeeks {
		t.Errorf("a prepaid series week made Redis execute %.1f commands; a booking %d", float64(paidCmds)/budgetSeriesWeeks, bookCmds)
	}

	// Memory: as many more bookings as weeks of more series, so that the
	// therapists' schedules grow alike (their tables double alike).
	const more = 4
	before := storagetest.KeyBytes(t, rdb)
	for range more * budgetSeriesWeeks {
		book()
	}
	perBooking := (storagetest.KeyBytes(t, rdb) - before) / (more * budgetSeriesWeeks)
	before = storagetest.KeyBytes(t, rdb)
	for range more {
		onNoa()
	}
	perWeek := (storagetest.KeyBytes(t, rdb) - before) / (more * budgetSeriesWeeks)
	// A prepaid week is compared with a prepaid booking's hold, as it is
	// until paid: a hold (with its end) and the price due.
	before = storagetest.KeyBytes(t, rdb)
	for i := range 2 * budgetSeriesWeeks {
		c := tori.Client{ID: int64(50000 + i), ChatID: int64(50000 + i), Name: "Client", Username: "client", Lang: "en"}
		if _, err := b.Hold(ctx, c, "intake", "adi", slots[n], 0); err != nil {
			t.Fatal(err)
		}
		n++
	}
	perPaidHold := (storagetest.KeyBytes(t, rdb) - before) / (2 * budgetSeriesWeeks)
	before = storagetest.KeyBytes(t, rdb)
	for range 2 {
		prepaid()
	}
	perPaidWeek := (storagetest.KeyBytes(t, rdb) - before) / (2 * budgetSeriesWeeks)
	t.Logf("Redis memory: %d bytes a booking, %d a week of a series; %d a prepaid booking's hold, %d a week of a prepaid series", perBooking, perWeek, perPaidHold, perPaidWeek)
	if perWeek > perBooking {
		t.Errorf("a week of a series takes %d bytes of Redis memory; a booking %d", perWeek, perBooking)
	}
	if perPaidWeek > perPaidHold {
		t.Errorf("a week of a prepaid series takes %d bytes of Redis memory; a prepaid booking's hold %d", perPaidWeek, perPaidHold)
	}
}
