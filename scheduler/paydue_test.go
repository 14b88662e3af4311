package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/payments/paypaltest"
)

var tue = tori.Date{Year: 2026, Month: 12, Day: 1}

// prepaidSeries takes client c's weekly intake with Adi, n sessions from
// Tuesday 1/12 10:00, pays its first week now, and returns every week.
func (e *env) prepaidSeries(c tori.Client, n int) []tori.Appointment {
	e.t.Helper()
	ctx := context.Background()
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "intake", Client: c, First: e.clock.At(tue, "10:00"), Every: 1, Count: n}
	pl, err := e.bookings.PlanSeries(ctx, r)
	if err != nil {
		e.t.Fatal(err)
	}
	sr, err := e.bookings.TakeSeries(ctx, r, pl.Starts(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.payFor(c, sr.Taken[0].ID)
	var as []tori.Appointment
	for _, t := range sr.Taken {
		a, err := e.store.Appointment(ctx, t.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		as = append(as, a)
	}
	return as
}

// payFor pays c's held id at PayPal and completes it.
func (e *env) payFor(c tori.Client, id string) tori.Appointment {
	e.t.Helper()
	ctx := context.Background()
	h, err := e.bookings.StartPayment(ctx, c, id, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.pp.Approve(h.OrderID)
	r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow {
		e.t.Fatalf("paying %s: %+v, %v", id, r, err)
	}
	return r.Appointment
}

// TestPayByReleasedUnpaid: a week of a prepaid series not paid by its
// deadline is released at it: the client and the therapist are told once
// each (however often the job runs), the waitlist is offered the time,
// and the other weeks stay as they are.
func TestPayByReleasedUnpaid(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	as := e.prepaidSeries(dana, 3)
	w1 := as[1]
	day := tori.DateOf(w1.Start.In(e.p.Location))
	e.join(client(201), "intake", "adi", day, day, tori.AnyTime)

	e.clock.Set(w1.PayBy.Add(-time.Second))
	if n := e.run(e.worker.expireHolds); n != 0 {
		t.Fatal("released before its deadline")
	}
	e.clock.Set(w1.PayBy.Add(time.Second))
	for range 2 {
		e.run(e.worker.expireHolds)
	}

	got := texts(e.out.to(101))
	if strings.Count(got, "was not paid by") != 1 || !strings.Contains(got, "Your session on Tuesday 8 December 2026, 10:00–11:00 was not paid by Sunday 6 December 2026, 10:00, so the time was released") {
		t.Fatalf("Dana was told:\n%s", got)
	}
	if adi := texts(e.out.to(9001)); strings.Count(adi, "Released unpaid") != 1 || !strings.Contains(adi, "₪350.50 was not paid by Sunday 6 December 2026, 10:00") {
		t.Fatalf("Adi was told:\n%s", adi)
	}
	if a, _ := e.store.Appointment(ctx, w1.ID); a.Status != tori.StatusExpired {
		t.Fatalf("week 1 is %s", a.Status)
	}
	if a, _ := e.store.Appointment(ctx, as[2].ID); a.Status != tori.StatusHeld || a.PayBy.IsZero() {
		t.Fatalf("week 2 is %s", a.Status)
	}
	if a, _ := e.store.Appointment(ctx, as[0].ID); a.Status != tori.StatusConfirmed {
		t.Fatalf("the paid first week is %s", a.Status)
	}

	e.run(e.worker.offerFreedTimes)
	if n, _ := e.offers(201); n != 1 {
		t.Fatalf("the waitlist was offered the released time %d times", n)
	}
}

// TestPayReminderThenPaid: the pay reminder of a week awaiting its
// payment comes series.pay_before (72 h) before it, once, with the pay
// button and the deadline; paid, it is booked, and its ordinary reminders
// follow (48 h before).
func TestPayReminderThenPaid(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	as := e.prepaidSeries(dana, 3)
	w1 := as[1]
	payReminders := func() []bot.Reply {
		var out []bot.Reply
		for _, r := range e.out.to(101) {
			if strings.Contains(r.Text, "Your session is waiting for its payment") {
				out = append(out, r)
			}
		}
		return out
	}

	e.run(e.worker.sendReminders) // queued at once; due 72 h before
	e.clock.Set(w1.Start.Add(-72*time.Hour - time.Second))
	e.run(e.worker.sendReminders)
	if got := payReminders(); len(got) != 0 {
		t.Fatalf("reminded early:\n%s", texts(got))
	}
	e.clock.Set(w1.Start.Add(-72 * time.Hour))
	for range 2 {
		e.run(e.worker.sendReminders)
	}
	got := payReminders()
	if len(got) != 1 || !strings.Contains(got[0].Text, "When: Tuesday 8 December 2026, 10:00–11:00") ||
		!strings.Contains(got[0].Text, "Please pay ₪350.50 by <b>Sunday 6 December 2026, 10:00</b>") {
		t.Fatalf("pay reminder:\n%s", texts(got))
	}
	if b := got[0].Keyboard[0][0]; b.Text != "💳 Pay ₪350.50 with PayPal" {
		t.Fatalf("pay button %+v", b)
	}

	// Paid: booked, and reminded as any booking.
	if a := e.payFor(dana, w1.ID); a.Status != tori.StatusConfirmed || a.Paid.Amount != 35050 {
		t.Fatalf("paid week: %+v", a)
	}
	e.clock.Set(w1.Start.Add(-48 * time.Hour))
	e.run(e.worker.sendReminders)
	if got := texts(e.out.to(101)); !strings.Contains(got, "Intake with Adi Levi, Tuesday 8 December 2026, 10:00–11:00 (weekly, 2 of 3)") {
		t.Fatalf("no reminder after paying:\n%s", got)
	}
	e.clock.Set(w1.PayBy.Add(time.Minute))
	if e.run(e.worker.expireHolds); strings.Contains(texts(e.out.to(101)), "was not paid by") {
		t.Fatal("a paid week was released")
	}
	if a, _ := e.store.Appointment(ctx, w1.ID); a.Status != tori.StatusConfirmed {
		t.Fatalf("paid week is %s", a.Status)
	}
}

// TestPayByCaptureAfterDeadline: a week's capture PayPal left pending and
// completes after the week's deadline, once another client has taken the
// time, is refunded in full, once; nothing is booked for it.
func TestPayByCaptureAfterDeadline(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	as := e.prepaidSeries(dana, 2)
	w1 := as[1]
	h, err := e.bookings.StartPayment(ctx, dana, w1.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.pp.Approve(h.OrderID)
	e.pp.FailNext("capture", paypaltest.Pending)
	if r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PayPending {
		t.Fatalf("pending = %+v, %v", r, err)
	}

	// Past the deadline Omer takes the time; then PayPal completes it.
	e.clock.Set(w1.PayBy.Add(time.Minute))
	e.run(e.worker.expireHolds)
	e.book(client(102), "talk", w1.Start)
	e.pp.CompletePending(h.OrderID)
	o, _ := e.pp.Order(h.OrderID)
	cp := tori.Capture{ID: o.Capture.ID, Status: "COMPLETED", Amount: tori.Money{Amount: 35050, Currency: "ILS"}}
	for range 2 { // the webhook, and again
		if r, err := e.bookings.CompletePayment(ctx, h.OrderID, &cp); err != nil || r.Outcome != tori.PaidTimeLost {
			t.Fatalf("capture after the deadline = %+v, %v", r, err)
		}
	}
	e.clock.Add(2 * time.Minute)
	e.run(e.worker.reconcile)

	a, _ := e.store.Appointment(ctx, w1.ID)
	if a.Status == tori.StatusConfirmed || a.RefundState != tori.RefundRefunded || a.Refunded.Amount != 35050 {
		t.Fatalf("after a late capture: status %s pay %s refunded %v (%s)", a.Status, a.PayState, a.Refunded, a.RefundState)
	}
	if rf := e.pp.Refunds(cp.ID); len(rf) != 1 || rf[0].Value != "350.50" {
		t.Fatalf("refunds at PayPal: %+v", rf)
	}
}
