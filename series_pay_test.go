package tori_test

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// mustPrepaidSeries takes Dana's weekly intake with Adi, n sessions from
// Tuesday 1/12 10:00, as the client does (the first paid now).
func mustPrepaidSeries(t *testing.T, b *tori.Bookings, n int) (tori.Series, []tori.Appointment) {
	t.Helper()
	ctx := context.Background()
	r := weekly(at(b, tue, "10:00"), n)
	r.ServiceID = "intake"
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var as []tori.Appointment
	for _, e := range sr.Taken {
		a, err := b.Store.Appointment(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	return sr, as
}

// TestPrepaidSeriesTaken: a client's prepaid series stands at once; its
// first week is an ordinary hold to pay now, every later week a hold
// awaiting its payment until the first refund boundary (48 h) before it,
// each with the price due.
func TestPrepaidSeriesTaken(t *testing.T) {
	b, _ := mustBookings(t)
	sr, as := mustPrepaidSeries(t, b, 4)
	if sr.Status != tori.StatusConfirmed || len(as) != 4 {
		t.Fatalf("series %+v, %d weeks", sr, len(as))
	}
	if h := as[0]; h.Status != tori.StatusHeld || !h.PayBy.IsZero() || h.HoldUntil.Sub(b.Now()) != 15*time.Minute || h.Due != ils(35050) {
		t.Fatalf("first week %+v", h)
	}
	for _, a := range as[1:] {
		want := a.Start.Add(-48 * time.Hour)
		if a.Status != tori.StatusHeld || !a.PayBy.Equal(want) || !a.HoldUntil.Equal(want) || a.Due != ils(35050) || a.Payment != tori.PayFull || a.Booked() {
			t.Fatalf("week %d = status %s pay_by %s hold_until %s due %v, want held until %s", a.SeriesN, a.Status, a.PayBy, a.HoldUntil, a.Due, want)
		}
	}

	// Every week occupies its time: nobody else can hold week 3.
	if _, err := b.Hold(context.Background(), omer, "intake", "adi", as[2].Start, 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("holding a week awaiting its payment = %v, want ECONFLICT", err)
	}
}

// TestPrepaidSeriesCountsAsOneHold: the series is one of the client's
// holds while its first week is to be paid, and none of them after.
func TestPrepaidSeriesCountsAsOneHold(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	b.Practice.Policy.MaxHoldsPerClient = 2
	mustPrepaidSeries(t, b, 6)
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), "10:00"), 0); err != nil {
		t.Fatalf("a second hold beside a prepaid series: %v", err)
	}
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), "12:00"), 0); tori.ErrorCode(err) != tori.ELIMIT {
		t.Fatalf("a third hold = %v, want ELIMIT", err)
	}

	c.t = c.t.Add(16 * time.Minute) // every short hold ran out; the weeks awaiting payment stay
	for i := 0; i < 2; i++ {
		if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), []string{"11:00", "12:00"}[i]), 0); err != nil {
			t.Fatalf("hold %d once the first week ran out: %v", i, err)
		}
	}
}

// TestPrepaidSeriesDroppedUnpaid: when the week to pay now runs out
// unpaid, the weeks awaiting their payments are let go too (once), and
// their times are free again; a paid first week keeps them.
func TestPrepaidSeriesDroppedUnpaid(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	_, as := mustPrepaidSeries(t, b, 4)
	c.t = c.t.Add(16 * time.Minute)
	exp := b.Store.(interface {
		ExpireHold(context.Context, string, time.Time) (tori.Appointment, bool, error)
	})
	first, _, err := exp.ExpireHold(ctx, as[0].ID, b.Now())
	if err != nil {
		t.Fatal(err)
	}
	for try := 0; try < 2; try++ {
		n, err := b.DropUnpaidSeries(ctx, first)
		if err != nil || n != 3*(1-try) {
			t.Fatalf("drop %d = %d, %v; want %d", try, n, err, 3*(1-try))
		}
	}
	for _, a := range as[1:] {
		got, err := b.Store.Appointment(ctx, a.ID)
		if err != nil || got.Status != tori.StatusCancelledByClient {
			t.Fatalf("week %d after the drop: %s, %v", a.SeriesN, got.Status, err)
		}
	}
	if busy := busyBetween(t, b, as[0].Start, as[3].End.Add(time.Hour)); len(busy) != 0 {
		t.Fatalf("still busy: %v", busy)
	}
}

// TestPrepaidSeriesOccurrencePaid: a week awaiting its payment is paid
// like any hold and booked alone; the other weeks still await theirs.
// Paying the first week does not drop the others.
func TestPrepaidSeriesOccurrencePaid(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	_, as := mustPrepaidSeries(t, b, 3)
	for _, a := range []tori.Appointment{as[0], as[2]} {
		h, err := b.StartPayment(ctx, dana, a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := fake.Approve(h.OrderID); err != nil {
			t.Fatal(err)
		}
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PaidNow || r.Appointment.Status != tori.StatusConfirmed || r.Appointment.Paid != ils(35050) {
			t.Fatalf("paying week %d = %+v, %v", a.SeriesN, r, err)
		}
	}
	if n, err := b.DropUnpaidSeries(ctx, as[0]); n != 0 || err != nil {
		t.Fatalf("drop after the first was paid = %d, %v", n, err)
	}
	w1, err := b.Store.Appointment(ctx, as[1].ID)
	if err != nil || w1.Status != tori.StatusHeld || w1.PayBy.IsZero() {
		t.Fatalf("week 1 = %+v, %v; want still awaiting its payment", w1, err)
	}
}

// TestPayDue: the deadline is the first refund boundary before the start
// (never sooner than a hold's length from now); the reminder comes
// series.pay_before ahead, or a day before the deadline when earlier.
func TestPayDue(t *testing.T) {
	p := practice()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	start := now.Add(10 * 24 * time.Hour)
	if got := p.SeriesPayBy(start, now); !got.Equal(start.Add(-48 * time.Hour)) {
		t.Fatalf("pay by = %s", got)
	}
	if got := p.SeriesPayBy(now.Add(time.Hour), now); !got.Equal(now.Add(15 * time.Minute)) {
		t.Fatalf("pay by, a session an hour away = %s", got)
	}
	a := tori.Appointment{Start: start, PayBy: start.Add(-48 * time.Hour)}
	if got := p.PayReminderAt(a); !got.Equal(start.Add(-72 * time.Hour)) {
		t.Fatalf("reminder at %s, want 72h before", got)
	}
	p.Policy.Tiers = []tori.RefundTier{{MinNotice: 7 * 24 * time.Hour, Percent: 100}}
	a.PayBy = p.SeriesPayBy(start, now)
	if got := p.PayReminderAt(a); !got.Equal(start.Add(-8 * 24 * time.Hour)) {
		t.Fatalf("with a week's boundary, reminder at %s, want a day before the deadline", got)
	}
}

// TestRepeatOffenderPrepaysTheRest: a client who becomes a repeat offender
// by a late cancellation has every later session of their series paid at
// the session turned into a hold awaiting its payment (the price, by 48 h
// before it), once; their time stays theirs until then.
func TestRepeatOffenderPrepaysTheRest(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	b.Practice.Policy.RepeatCount, b.Practice.Policy.RepeatWithin = 1, 90*24*time.Hour
	r := weekly(at(b, tue, "10:00"), 4)
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ConfirmSeries(ctx, dana, sr.ID); err != nil {
		t.Fatal(err)
	}

	// Cancelling the first a day ahead is late: a strike.
	c.t = at(b, tue, "10:00").Add(-30 * time.Hour)
	if _, terms, _, err := b.Cancel(ctx, dana, sr.Taken[0].ID, -1); err != nil || !terms.Late {
		t.Fatalf("cancel = %+v, %v", terms, err)
	}
	for _, e := range sr.Taken[1:] {
		a, err := b.Store.Appointment(ctx, e.ID)
		want := a.Start.Add(-48 * time.Hour)
		if err != nil || a.Status != tori.StatusHeld || !a.PayBy.Equal(want) || !a.HoldUntil.Equal(want) ||
			a.Payment != tori.PayFull || a.Due != ils(35000) || a.Prepay != "repeat" {
			t.Fatalf("week %d = %s pay by %s due %v %s, %v", e.Week, a.Status, a.PayBy, a.Due, a.Prepay, err)
		}
		if _, err := b.Hold(ctx, omer, "talk", "adi", a.Start, 0); tori.ErrorCode(err) != tori.ECONFLICT {
			t.Fatalf("week %d's time was free to others: %v", e.Week, err)
		}
	}
	if n, err := b.PrepayRest(ctx, dana); n != 0 || err != nil {
		t.Fatalf("again = %d, %v", n, err)
	}
	if due, err := b.ToPay(ctx, dana); err != nil || len(due) != 3 {
		t.Fatalf("to pay: %d, %v", len(due), err)
	}
}
