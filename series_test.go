package tori_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
)

// weekly is Dana's weekly talk with Adi, n sessions from first.
func weekly(first time.Time, n int) tori.SeriesRule {
	return tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: dana, First: first, Every: 1, Count: n}
}

// mustBookingsOff is mustBookings with Adi off on day.
func mustBookingsOff(t *testing.T, day tori.Date) (*tori.Bookings, *clock) {
	t.Helper()
	b, c := mustBookings(t)
	p := practice()
	p.Therapists[0].DaysOff = []tori.Date{day}
	b.Practice = testpractice.Valid(p)
	return b, c
}

func mustPlan(t *testing.T, b *tori.Bookings, r tori.SeriesRule) tori.SeriesPlan {
	t.Helper()
	p, err := b.PlanSeries(context.Background(), r)
	if err != nil {
		t.Fatalf("PlanSeries: %v", err)
	}
	return p
}

// busyBetween is every live block of Adi's between from and to.
func busyBetween(t *testing.T, b *tori.Bookings, from, to time.Time) []tori.Interval {
	t.Helper()
	iv, err := b.Store.Busy(context.Background(), "adi", from, to, b.Now())
	if err != nil {
		t.Fatal(err)
	}
	return iv
}

// TestSeriesConflictInWeek7: a weekly series of nine whose seventh week is
// taken by another client's booking lists that week, with the nearest
// free time that week, and takes nothing while planning. Taking the
// planned times as they are is refused (the week is named) and takes
// nothing; skipping it books the other eight and not that week.
func TestSeriesConflictInWeek7(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	jan12 := tori.Date{Year: 2027, Month: 1, Day: 12}
	h, err := b.Hold(ctx, omer, "talk", "adi", at(b, jan12, "10:30"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Confirm(ctx, omer, h.ID); err != nil {
		t.Fatal(err)
	}

	r := weekly(at(b, tue, "10:00"), 9)
	p := mustPlan(t, b, r)
	if len(p.Occurrences) != 9 {
		t.Fatalf("%d occurrences, want 9", len(p.Occurrences))
	}
	for i, o := range p.Occurrences {
		want := tue.AddDays(7 * i)
		if tori.DateOf(o.Start.In(b.Practice.Location)) != want || o.Start.In(b.Practice.Location).Format("15:04") != "10:00" {
			t.Errorf("week %d starts %s, want %s 10:00", i, o.Start.In(b.Practice.Location), want)
		}
		if i != 6 && (o.Conflict != "" || o.Warn != "") {
			t.Errorf("week %d: %v, want it free", i, o)
		}
	}
	w7 := p.Occurrences[6]
	if w7.Conflict != tori.ReasonBooking || w7.Blocker != h.ID || !w7.Near.Equal(at(b, jan12, "09:30")) {
		t.Fatalf("week 7 = %v blocker %s, want a booking (%s) with 09:30 nearest", w7, w7.Blocker, h.ID)
	}
	if c := p.Conflicts(); len(c) != 1 || c[0].Week != 6 {
		t.Fatalf("conflicts = %v", c)
	}
	span := func() []tori.Interval { return busyBetween(t, b, at(b, tue, "00:00"), at(b, tue.AddDays(80), "00:00")) }
	if got := span(); len(got) != 1 {
		t.Fatalf("planning took time: %v", got)
	}

	// The planned times as they are: refused, week 7 named, nothing taken.
	planned := make([]time.Time, 9)
	for i, o := range p.Occurrences {
		planned[i] = o.Start
	}
	_, err = b.TakeSeries(ctx, r, planned, 0)
	weeks, ok := tori.SeriesConflicts(err)
	if tori.ErrorCode(err) != tori.ECONFLICT || !ok || len(weeks) != 1 || weeks[0].Week != 6 || weeks[0].Blocker != h.ID || !weeks[0].Start.Equal(w7.Start) {
		t.Fatalf("take over week 7 = %v (%v), want ECONFLICT naming week 7", err, weeks)
	}
	if got := span(); len(got) != 1 {
		t.Fatalf("a refused series took time: %v", got)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 0 {
		t.Fatalf("a refused series left bookings: %v", up)
	}

	// Week 7 skipped: eight held, none in week 7; booked once confirmed.
	starts := p.Starts()
	starts[6] = time.Time{}
	sr, err := b.TakeSeries(ctx, r, starts, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Taken) != 8 || !slices.Equal(sr.Missed, []int{6}) || sr.Status != tori.StatusHeld {
		t.Fatalf("series = %+v", sr)
	}
	if _, err := b.ConfirmSeries(ctx, dana, sr.ID); err != nil {
		t.Fatal(err)
	}
	up, err := b.Upcoming(ctx, dana)
	if err != nil || len(up) != 8 {
		t.Fatalf("upcoming = %d %v, want 8", len(up), err)
	}
	for _, a := range up {
		if tori.DateOf(a.Start.In(b.Practice.Location)) == jan12 || a.Series != sr.ID || a.Status != tori.StatusConfirmed {
			t.Fatalf("booked %+v", a)
		}
	}
}

// TestSeriesNearestInstead: a conflict's nearest free time taken instead
// books every week, that one at its nearest time.
func TestSeriesNearestInstead(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	dec15 := tori.Date{Year: 2026, Month: 12, Day: 15}
	if _, err := b.Block(ctx, "adi", at(b, dec15, "09:00"), at(b, dec15, "11:00")); err != nil {
		t.Fatal(err)
	}
	r := weekly(at(b, tue, "10:00"), 4)
	p := mustPlan(t, b, r)
	w3 := p.Occurrences[2]
	if w3.Conflict != tori.ReasonTimeOff || !w3.Near.Equal(at(b, dec15, "11:00")) {
		t.Fatalf("week 3 = %v, want time off with 11:00 nearest", w3)
	}
	sr, err := b.TakeSeries(ctx, r, p.Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ConfirmSeries(ctx, dana, sr.ID); err != nil {
		t.Fatal(err)
	}
	up, _ := b.Upcoming(ctx, dana)
	if len(up) != 4 || !up[2].Start.Equal(at(b, dec15, "11:00")) || up[2].SeriesN != 2 {
		t.Fatalf("upcoming = %+v", up)
	}
}

// TestSeriesAllOrNothing: a booking that lands between the plan and the
// take (another client's hold in week 5) refuses the whole series, names
// that week, and leaves nothing taken: no hold, no place among the
// client's holds, nothing in their bookings.
func TestSeriesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	r := weekly(at(b, tue, "10:00"), 8)
	p := mustPlan(t, b, r)
	if len(p.Conflicts()) != 0 {
		t.Fatalf("conflicts = %v", p.Conflicts())
	}
	dec29 := tori.Date{Year: 2026, Month: 12, Day: 29}
	h, err := b.Hold(ctx, omer, "talk", "adi", at(b, dec29, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.TakeSeries(ctx, r, p.Starts(), 0)
	weeks, _ := tori.SeriesConflicts(err)
	if tori.ErrorCode(err) != tori.ECONFLICT || len(weeks) != 1 || weeks[0].Week != 4 || weeks[0].Blocker != h.ID {
		t.Fatalf("take = %v %v, want week 5 named", err, weeks)
	}
	if got := busyBetween(t, b, at(b, tue, "00:00"), at(b, tue.AddDays(60), "00:00")); len(got) != 1 || got[0].ID != h.ID {
		t.Fatalf("busy after a refused series: %v", got)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 0 {
		t.Fatalf("Dana has %v", up)
	}
	// Her holds are all still hers to use: two more singles.
	for _, hm := range []string{"15:00", "16:00"} {
		if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, hm), 0); err != nil {
			t.Fatalf("a hold after the refused series: %v", err)
		}
	}
	// Planned again, week 5 is a hold, and its nearest free time is offered.
	p = mustPlan(t, b, r)
	if w5 := p.Occurrences[4]; w5.Conflict != tori.ReasonHold || w5.Near.IsZero() {
		t.Fatalf("week 5 planned again = %v, want a hold with a nearest time", w5)
	}
}

// TestSeriesHoldCap: a series is one hold toward the client's cap, taken
// back when it is confirmed or released; and only the client who holds
// it can confirm it.
func TestSeriesHoldCap(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "15:00"), 0); err != nil {
		t.Fatal(err)
	}
	r := weekly(at(b, tue, "10:00"), 6)
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatalf("a series beside one hold (cap 2): %v", err)
	}
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "17:00"), 0); tori.ErrorCode(err) != tori.ELIMIT {
		t.Fatalf("a third hold = %v, want ELIMIT", err)
	}
	r2 := weekly(at(b, tue, "12:00"), 3)
	if _, err := b.TakeSeries(ctx, r2, mustPlan(t, b, r2).Starts(), 0); tori.ErrorCode(err) != tori.ELIMIT {
		t.Fatalf("a second series = %v, want ELIMIT", err)
	}

	if _, err := b.ConfirmSeries(ctx, omer, sr.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer confirming Dana's series = %v, want ENOTFOUND", err)
	}
	if err := b.ReleaseSeries(ctx, omer, sr.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer releasing Dana's series = %v, want ENOTFOUND", err)
	}
	if _, err := b.OwnSeries(ctx, omer, sr.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer reading Dana's series = %v, want ENOTFOUND", err)
	}
	if got, err := b.OwnSeries(ctx, dana, sr.ID); err != nil || got.Status != tori.StatusHeld || got.Rule.Client.ID != dana.ID {
		t.Fatalf("after Omer's tries: %+v %v", got, err)
	}
	if _, err := b.ConfirmSeries(ctx, dana, sr.ID); err != nil {
		t.Fatal(err)
	}
	if again, err := b.ConfirmSeries(ctx, dana, sr.ID); err != nil || again.Status != tori.StatusConfirmed {
		t.Fatalf("a second press = %v %v", again.Status, err)
	}
	if _, err := b.ConfirmSeries(ctx, omer, sr.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer confirming Dana's booked series = %v, want ENOTFOUND", err)
	}
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "17:00"), 0); err != nil {
		t.Fatalf("a hold once the series is booked: %v", err)
	}

	// A held series that runs out cannot be confirmed.
	c.t = c.t.Add(time.Hour)
	sr2, err := b.TakeSeries(ctx, r2, mustPlan(t, b, r2).Starts(), 0)
	if err == nil {
		c.t = c.t.Add(16 * time.Minute)
		_, err = b.ConfirmSeries(ctx, dana, sr2.ID)
	}
	if tori.ErrorCode(err) != tori.EEXPIRED {
		t.Fatalf("confirming a series whose hold ran out = %v, want EEXPIRED", err)
	}
}

// TestSeriesRelease: a held series let go frees every week, and gives the
// client's hold back.
func TestSeriesRelease(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	r := weekly(at(b, tue, "10:00"), 5)
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	from, to := at(b, tue, "00:00"), at(b, tue.AddDays(40), "00:00")
	if n := len(busyBetween(t, b, from, to)); n != 5 {
		t.Fatalf("%d held, want 5", n)
	}
	for range 2 {
		if err := b.ReleaseSeries(ctx, dana, sr.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := busyBetween(t, b, from, to); len(got) != 0 {
		t.Fatalf("still busy: %v", got)
	}
	if _, err := b.ConfirmSeries(ctx, dana, sr.ID); tori.ErrorCode(err) != tori.EEXPIRED {
		t.Fatalf("confirming a released series = %v", err)
	}
	for _, hm := range []string{"10:00", "12:00"} {
		if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, hm), 0); err != nil {
			t.Fatalf("holds after the release: %v", err)
		}
	}
}

// TestSeriesClientRules: a series the client makes keeps the client-facing
// rules in every week: a day off, the horizon, a time that is not offered.
func TestSeriesClientRules(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookingsOff(t, tori.Date{Year: 2026, Month: 12, Day: 22})
	p := b.Practice

	pl := mustPlan(t, b, weekly(at(b, tue, "10:00"), 12))
	reasons := map[int]tori.Reason{}
	for _, o := range pl.Occurrences {
		if o.Conflict != "" {
			reasons[o.Week] = o.Conflict
		}
	}
	// 22/12 is a day off; from 2/2/2027 on, past the 60-day horizon.
	want := map[int]tori.Reason{3: tori.ReasonDayOff, 9: tori.ReasonHorizon, 10: tori.ReasonHorizon, 11: tori.ReasonHorizon}
	if len(reasons) != len(want) {
		t.Fatalf("conflicts = %v, want %v", reasons, want)
	}
	for w, r := range want {
		if reasons[w] != r {
			t.Fatalf("conflicts = %v, want %v", reasons, want)
		}
	}
	if pl.Occurrences[9].Near != (time.Time{}) {
		t.Fatalf("beyond the horizon, a nearest time: %v", pl.Occurrences[9])
	}
	if n := pl.Occurrences[3].Near; n.IsZero() || tori.DateOf(n.In(p.Location)) == (tori.Date{Year: 2026, Month: 12, Day: 22}) {
		t.Fatalf("day off's nearest = %s", n)
	}

	// 13:30 is in Adi's break: every week is outside hours.
	pl = mustPlan(t, b, weekly(at(b, tue, "13:30"), 3))
	for _, o := range pl.Occurrences {
		if o.Conflict != tori.ReasonOutsideHours {
			t.Fatalf("13:30: %v", o)
		}
	}
	// A chosen time that breaks a rule is refused, naming it.
	starts := []time.Time{at(b, tue, "10:00"), at(b, tue.AddDays(7), "13:30"), {}}
	if _, err := b.TakeSeries(ctx, weekly(at(b, tue, "10:00"), 3), starts, 0); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("a time in the break = %v, want EINVALID", err)
	}
	// Only the practice books until further notice.
	if _, err := b.PlanSeries(ctx, weekly(at(b, tue, "10:00"), 0)); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("a client's open-ended series = %v, want EINVALID", err)
	}
}
