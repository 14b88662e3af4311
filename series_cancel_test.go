package tori_test

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// mustSeries books Dana's weekly talk with Adi, n sessions from Tuesday 1
// December 10:00 (24 hours ahead of the clock), held and confirmed.
func mustSeries(t *testing.T, b *tori.Bookings, n int) tori.Series {
	t.Helper()
	ctx := context.Background()
	r := weekly(at(b, tue, "10:00"), n)
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatalf("TakeSeries: %v", err)
	}
	if sr, err = b.ConfirmSeries(ctx, dana, sr.ID); err != nil {
		t.Fatalf("ConfirmSeries: %v", err)
	}
	return sr
}

// TestCancelSeriesFrom: cancelling a series from its first session quotes
// every later one with its own terms (the first, 24 hours ahead, costs
// half the price; the others are free) and totals them; a quote of
// another client's booking finds nothing; a stale stamp cancels nothing;
// the right one cancels each session once, counts the one late
// cancellation once, and a second press finds nothing left.
func TestCancelSeriesFrom(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	sr := mustSeries(t, b, 4)

	q, err := b.QuoteCancelSeriesFrom(ctx, dana, sr.Taken[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Sessions) != 4 || q.Terms[0].Tier.Percent != 50 || !q.Terms[0].Late || q.Terms[1].Tier.Percent != 100 || q.Terms[3].Late {
		t.Fatalf("quote = %+v", q)
	}
	if got := q.Charge(); got != (tori.Money{Amount: 17500, Currency: "ILS"}) || q.Refund().Amount != 0 || q.Paid().Amount != 0 {
		t.Fatalf("charge %v refund %v paid %v, want ₪175, nothing, nothing", got, q.Refund(), q.Paid())
	}
	if _, err := b.QuoteCancelSeriesFrom(ctx, omer, sr.Taken[0].ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer's quote of Dana's series: %v", err)
	}
	if _, _, err := b.CancelSeriesFrom(ctx, omer, sr.Taken[0].ID, q.Stamp()); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("Omer cancelling Dana's series: %v", err)
	}
	if _, _, err := b.CancelSeriesFrom(ctx, dana, sr.Taken[0].ID, "zzz"); tori.ErrorCode(err) != tori.EEXPIRED {
		t.Fatalf("a stale stamp: %v", err)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 4 {
		t.Fatalf("after refusals Dana has %d sessions, want 4", len(up))
	}

	done, _, err := b.CancelSeriesFrom(ctx, dana, sr.Taken[0].ID, q.Stamp())
	if err != nil || len(done) != 4 {
		t.Fatalf("CancelSeriesFrom = %d, %v", len(done), err)
	}
	for _, d := range done {
		if !d.Fresh || d.Appointment.Status != tori.StatusCancelledByClient {
			t.Fatalf("cancelled = %+v", d)
		}
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 0 {
		t.Fatalf("Dana still has %v", up)
	}
	if n, _ := b.Store.Strikes(ctx, dana.ID, time.Time{}); n != 1 {
		t.Fatalf("%d strikes, want the one late cancellation", n)
	}

	// A second press: nothing left, and it was the client's doing.
	if _, _, err := b.CancelSeriesFrom(ctx, dana, sr.Taken[0].ID, q.Stamp()); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("a second press: %v", err)
	}
	if before, err := b.SeriesCancelledBefore(ctx, dana, sr.Taken[0].ID); err != nil || !before {
		t.Fatalf("SeriesCancelledBefore = %v, %v", before, err)
	}
}

// TestCancelSeriesFromLater: cancelling from the third session leaves the
// first two booked; a boundary of the policy passing between the quote
// and the press cancels nothing; a forgiven first late cancellation is
// quoted as forgiven, for one session only.
func TestCancelSeriesFromLater(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	sr := mustSeries(t, b, 4)

	q, err := b.QuoteCancelSeriesFrom(ctx, dana, sr.Taken[2].ID)
	if err != nil || len(q.Sessions) != 2 || q.Sessions[0].ID != sr.Taken[2].ID || q.Charge().Amount != 0 {
		t.Fatalf("quote from the third = %+v, %v", q, err)
	}
	done, _, err := b.CancelSeriesFrom(ctx, dana, sr.Taken[2].ID, q.Stamp())
	if err != nil || len(done) != 2 {
		t.Fatalf("CancelSeriesFrom = %d, %v", len(done), err)
	}
	up, _ := b.Upcoming(ctx, dana)
	if len(up) != 2 || up[0].ID != sr.Taken[0].ID || up[1].ID != sr.Taken[1].ID {
		t.Fatalf("left booked: %v", up)
	}

	// 24 hours ahead turns into 22½: the first session's terms change.
	q, err = b.QuoteCancelSeriesFrom(ctx, dana, sr.Taken[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(90 * time.Minute)
	if _, now, err := b.CancelSeriesFrom(ctx, dana, sr.Taken[0].ID, q.Stamp()); tori.ErrorCode(err) != tori.EEXPIRED || now.Terms[0].Tier.Percent != 0 {
		t.Fatalf("after a boundary: %v, terms now %+v", err, now.Terms)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 2 {
		t.Fatalf("a boundary passed, yet %d sessions are left", len(up))
	}

	b.Practice.Policy.ForgiveFirstLate = true
	q, err = b.QuoteCancelSeriesFrom(ctx, dana, sr.Taken[0].ID)
	if err != nil || !q.Terms[0].Forgiven || q.Terms[1].Forgiven {
		t.Fatalf("forgiven = %+v, %v", q.Terms, err)
	}
}
