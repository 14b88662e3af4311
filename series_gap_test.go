package tori_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestFillSeriesGap: a week an open-ended series missed as it extended is
// booked at its nearest free time, as an occurrence of the series, once:
// pressed again, by another client, or at a time taken meanwhile, nothing
// changes.
func TestFillSeriesGap(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookingsOff(t, tori.Date{Year: 2027, Month: 2, Day: 9})
	r := weekly(at(b, tue, "10:00"), 0)
	r.ByPractice = true
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(21 * 24 * time.Hour)
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tori.Date{Year: 2027, Month: 2, Day: 2}, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	missed, _, err := b.ExtendSeries(ctx, sr.ID, c.t)
	if err != nil || len(missed) != 2 || missed[0].Near.IsZero() || missed[1].Near.IsZero() {
		t.Fatalf("missed %v %v", missed, err)
	}
	near, dayOff := missed[0].Near, missed[1].Near

	// Another client's press, and a time not of a missed week, book nothing.
	if _, err := b.FillSeriesGap(ctx, sr.ID, omer.ID, near); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer filled Dana's week: %v", err)
	}
	if _, err := b.FillSeriesGap(ctx, sr.ID, dana.ID, near.AddDate(0, 0, 7*4)); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("a week not missed: %v", err)
	}

	// Dana's press books week 9, in the series' order; a second press nothing.
	a, err := b.FillSeriesGap(ctx, sr.ID, dana.ID, near)
	if err != nil || a.SeriesN != 9 || !a.Start.Equal(near) || a.Client.ID != dana.ID || a.Status != tori.StatusConfirmed {
		t.Fatalf("filled %+v %v", a, err)
	}
	if _, err := b.FillSeriesGap(ctx, sr.ID, dana.ID, near); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("filled twice: %v", err)
	}
	got, err := b.Series(ctx, sr.ID)
	weeks := make([]int, len(got.Taken))
	for i, e := range got.Taken {
		weeks[i] = e.Week
	}
	if err != nil || !slices.Equal(got.Missed, []int{10}) || !slices.Equal(weeks, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) || got.Taken[9].ID != a.ID {
		t.Fatalf("series = %+v (weeks %v) %v", got, weeks, err)
	}

	// The practice's press on week 10, whose time Omer took meanwhile.
	if _, err := b.Hold(ctx, omer, "talk", "adi", dayOff, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.FillSeriesGap(ctx, sr.ID, 0, dayOff); tori.ErrorCode(err) != tori.ECONFLICT || tori.ErrorMessage(err) != "That time was taken meanwhile." {
		t.Fatalf("a time taken meanwhile: %v", err)
	}
	if got, _ := b.Series(ctx, sr.ID); !slices.Equal(got.Missed, []int{10}) {
		t.Fatalf("missed after a refused press: %v", got.Missed)
	}
}
