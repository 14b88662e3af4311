package tori_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// mismatchCases are captures of another amount or currency than the
// ₪350.50 an intake is due, as PayPal writes them, and what tori must
// read them as.
var mismatchCases = []struct {
	name, currency, value string
	want                  tori.Money
}{
	{"Lower", "ILS", "1.00", tori.Money{Amount: 100, Currency: "ILS"}},
	{"Higher", "ILS", "400.00", tori.Money{Amount: 40000, Currency: "ILS"}},
	{"OtherCurrency", "USD", "350.50", tori.Money{Amount: 35050, Currency: "USD"}},
	{"ZeroDecimal", "JPY", "5", tori.Money{Amount: 5, Currency: "JPY"}},
}

// checkMismatch checks what a mismatched capture left: not booked, the
// captured money kept as it was taken and refunded exactly (at PayPal
// too), and the time held for the client under a new hold with no order.
func checkMismatch(t *testing.T, b *tori.Bookings, fake *paypaltest.Server, r tori.PaymentResult, h tori.Appointment, captured tori.Money, value string) tori.Appointment {
	t.Helper()
	ctx := context.Background()
	a := r.Appointment
	if r.Outcome != tori.PaidMismatch || a.Status == tori.StatusConfirmed || a.PayState != tori.PayStateMismatch {
		t.Fatalf("result %s, appointment %s/%s", r.Outcome, a.Status, a.PayState)
	}
	if a.Paid != captured || a.RefundDue != captured || a.RefundState != tori.RefundRefunded || a.Refunded != captured {
		t.Fatalf("paid %v, refund due %v (%s), refunded %v; captured %v", a.Paid, a.RefundDue, a.RefundState, a.Refunded, captured)
	}
	rf := fake.Refunds(a.CaptureID)
	if len(rf) != 1 || rf[0].Value != value || rf[0].Currency != captured.Currency {
		t.Fatalf("refunds at PayPal: %+v, want one of %s %s", rf, value, captured.Currency)
	}
	if n := fake.Calls("capture"); n != 1 {
		t.Fatalf("%d captures", n)
	}
	next, err := b.Store.Appointment(ctx, a.Successor)
	if err != nil {
		t.Fatalf("successor %q: %v", a.Successor, err)
	}
	if next.ID == h.ID || next.Status != tori.StatusHeld || !next.Start.Equal(h.Start) || next.Client.ID != h.Client.ID ||
		next.OrderID != "" || next.PayState != tori.PayStateNone || next.Due != h.Due || next.HoldUntil.Before(b.Now().Add(b.Practice.Policy.HoldFor)) {
		t.Fatalf("successor = %+v", next)
	}
	// The time is still the client's: nobody else can hold it.
	if _, err := b.Hold(ctx, omer, "talk", "adi", h.Start, 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("another client held the time: %v", err)
	}
	return next
}

// TestCaptureMismatch: a capture of a lower or higher amount, of another
// currency, of a zero-decimal currency, through the buyer's return, is
// never a confirmation: it is refunded exactly as taken, the time passes to
// a new hold, and paying that under a new order books it.
func TestCaptureMismatch(t *testing.T) {
	ctx := context.Background()
	for _, tc := range mismatchCases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := mustBookings(t)
			fake := mustPayPal(t, b)
			h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
			if err := fake.SetAmount(h.OrderID, tc.currency, tc.value); err != nil {
				t.Fatal(err)
			}
			r, err := b.CompletePayment(ctx, h.OrderID, nil)
			if err != nil || !r.Fresh {
				t.Fatalf("= %+v, %v", r, err)
			}
			next := checkMismatch(t, b, fake, r, h, tc.want, tc.value)

			// The buyer comes back again: nothing new, told already by the first.
			if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PaidMismatch || r.Fresh {
				t.Fatalf("again = %+v, %v", r, err)
			}
			// The spent order is never paid again.
			if _, err := b.StartPayment(ctx, dana, h.ID, 0); tori.ErrorCode(err) != tori.EEXPIRED {
				t.Fatalf("StartPayment of the mismatched hold: %v", err)
			}
			// Paying again: a new order for the new hold, exactly what is due.
			next, err = b.StartPayment(ctx, dana, next.ID, 0)
			if err != nil || next.OrderID == "" || next.OrderID == h.OrderID {
				t.Fatalf("pay again = %+v, %v", next, err)
			}
			if o, _ := fake.Order(next.OrderID); o.Value != "350.50" || o.Currency != "ILS" {
				t.Fatalf("the new order asks for %s %s", o.Value, o.Currency)
			}
			if err := fake.Approve(next.OrderID); err != nil {
				t.Fatal(err)
			}
			r, err = b.CompletePayment(ctx, next.OrderID, nil)
			if err != nil || r.Outcome != tori.PaidNow || !r.Fresh || r.Appointment.Status != tori.StatusConfirmed || r.Appointment.Paid != ils(35050) {
				t.Fatalf("paid again = %+v, %v", r, err)
			}
			// One booking: the mismatched hold stays unbooked.
			if old, _ := b.Store.Appointment(ctx, h.ID); old.Status == tori.StatusConfirmed || old.PayState != tori.PayStateMismatch {
				t.Fatalf("the mismatched hold is now %s/%s", old.Status, old.PayState)
			}
		})
	}
}

// TestKnownCaptureMismatch: a capture PayPal reports (a webhook, or
// reconciliation reading the order) with another amount is treated as the
// return's: recorded as a mismatch and refunded, never confirmed.
func TestKnownCaptureMismatch(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	c, err := b.Payments.Capture(ctx, h) // captured at PayPal, by another process
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, &c)
	if err != nil || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	checkMismatch(t, b, fake, r, h, tori.Money{Amount: 35050, Currency: "USD"}, "350.50")
}

// events records what the use cases count (tori.Events).
type events struct {
	mu     sync.Mutex
	counts map[string]int
	money  map[string]tori.Money
}

func (e *events) Count(event, outcome string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts[event+"/"+outcome]++
}

func (e *events) Amount(event string, m tori.Money) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := event + "/" + m.Currency
	e.money[k] = tori.Money{Amount: e.money[k].Amount + m.Amount, Currency: m.Currency}
}

// TestCaptureMismatchAtOnce: completions racing over one mismatched
// capture record it once, refund it once and make one new hold; one of
// them is to tell, and it is counted once, in the captured currency.
func TestCaptureMismatchAtOnce(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	ev := &events{counts: map[string]int{}, money: map[string]tori.Money{}}
	b.Events = ev
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "ILS", "1.00"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]tori.PaymentResult, 6)
	for i := range results {
		wg.Go(func() {
			r, err := b.CompletePayment(ctx, h.OrderID, nil)
			if err != nil && tori.ErrorCode(err) != tori.EUNAVAILABLE { // a capture another call is making
				t.Error(err)
			}
			results[i] = r
		})
	}
	wg.Wait()
	fresh := 0
	for _, r := range results {
		if r.Fresh {
			fresh++
		}
		if r.Outcome != "" && r.Outcome != tori.PaidMismatch {
			t.Errorf("outcome %s", r.Outcome)
		}
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidMismatch {
		t.Fatalf("after = %+v, %v", r, err)
	}
	if fresh != 1 {
		t.Fatalf("%d callers to tell, want 1", fresh)
	}
	a := r.Appointment
	if rf := fake.Refunds(a.CaptureID); len(rf) != 1 || rf[0].Value != "1.00" {
		t.Fatalf("refunds at PayPal: %+v", rf)
	}
	held, err := b.Store.TherapistAppointments(ctx, "adi", h.Start, h.End)
	if err != nil || len(held) != 1 || held[0].ID != a.Successor || held[0].Status != tori.StatusHeld {
		t.Fatalf("the therapist's time holds %+v (%v), want the one successor %s", held, err, a.Successor)
	}
	if cl, _ := b.Store.ClientAppointments(ctx, dana.ID, b.Now().Add(-time.Hour)); len(cl) > 2 {
		t.Fatalf("the client has %d appointments: a successor that was never made is listed", len(cl))
	}
	sum := func(k string) int64 { return ev.money[k].Amount }
	if ev.counts["payment/mismatch"] != 1 || ev.counts["booking/confirmed"] != 0 || ev.counts["refund/issued"] != 1 ||
		sum("mismatch/ILS") != 100 || sum("captured/ILS") != 100 || sum("refunded/ILS") != 100 {
		t.Fatalf("counted %v, amounts %v", ev.counts, ev.money)
	}
}

// TestCaptureMismatchFoundAtPayPal: a capture whose answer was lost, and
// whose hold ran out and time was taken meanwhile, is found at PayPal
// (askPayPal): another currency, so a mismatch, refunded, no new hold.
func TestCaptureMismatchFoundAtPayPal(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("capture", paypaltest.AfterCommit) // captured at PayPal; the answer is lost
	if _, err := b.CompletePayment(ctx, h.OrderID, nil); tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("err = %v", err)
	}
	c.t = c.t.Add(40 * time.Minute)
	if _, err := b.Hold(ctx, omer, "talk", "adi", h.Start, 0); err != nil {
		t.Fatal(err)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidMismatch || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	usd := tori.Money{Amount: 35050, Currency: "USD"}
	if a := r.Appointment; a.Successor != "" || a.Paid != usd || a.RefundState != tori.RefundRefunded || a.Refunded != usd || a.Status == tori.StatusConfirmed {
		t.Fatalf("appointment = %+v", a)
	}
	if n := fake.Calls("capture"); n != 1 {
		t.Fatalf("%d captures", n)
	}
}

// TestCaptureMismatchRefundRefused: PayPal refuses the refund of a
// mismatched capture: it stays pending and counted, and the retry (the
// worker's IssueRefund) gives back exactly what was taken, once.
func TestCaptureMismatchRefundRefused(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "JPY", "5"); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("refund", paypaltest.Refused)
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidMismatch || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	a := r.Appointment
	if a.RefundState != tori.RefundPending || a.RefundDue != (tori.Money{Amount: 5, Currency: "JPY"}) || a.RefundTries != 1 || a.Refusals != 1 {
		t.Fatalf("after a refusal: %s %v tries %d refusals %d", a.RefundState, a.RefundDue, a.RefundTries, a.Refusals)
	}
	c.t = c.t.Add(tori.RefundBackoff(1)) // the worker's retry, after its pause
	a, err = b.IssueRefund(ctx, a.ID)
	if err != nil || a.RefundState != tori.RefundRefunded || a.Refunded != (tori.Money{Amount: 5, Currency: "JPY"}) {
		t.Fatalf("retry = %+v, %v", a, err)
	}
	if rf := fake.Refunds(a.CaptureID); len(rf) != 1 || rf[0].Value != "5" || rf[0].Currency != "JPY" {
		t.Fatalf("refunds at PayPal: %+v", rf)
	}
	if a, err := b.IssueRefund(ctx, a.ID); err != nil || len(fake.Refunds(a.CaptureID)) != 1 {
		t.Fatalf("a third call refunded again: %v", err)
	}
}

// TestCaptureMismatchAfterTimeLost: a mismatched capture whose hold ran
// out and whose time was taken is refunded; no hold is made for it.
func TestCaptureMismatchAfterTimeLost(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "ILS", "1.00"); err != nil {
		t.Fatal(err)
	}
	cp, err := b.Payments.Capture(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(30 * time.Minute)
	if _, err := b.Hold(ctx, omer, "talk", "adi", h.Start, 0); err != nil {
		t.Fatal(err)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, &cp)
	if err != nil || r.Outcome != tori.PaidMismatch || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	if a := r.Appointment; a.Successor != "" || a.RefundState != tori.RefundRefunded || a.Refunded != ils(100) {
		t.Fatalf("appointment = %+v", a)
	}
}

// pendingShort approves an intake whose capture PayPal leaves PENDING with
// $350.50 taken for the ₪350.50 due, and completes it once (the return).
func pendingShort(t *testing.T, b *tori.Bookings, fake *paypaltest.Server) (tori.Appointment, tori.PaymentResult) {
	t.Helper()
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("capture", paypaltest.Pending)
	r, err := b.CompletePayment(context.Background(), h.OrderID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h, r
}

// TestPendingCaptureMismatch: a capture PayPal has not completed, of
// another currency than due, can never be a booking, so its hold is not
// kept for the days PayPal may take: the time is free at once, the
// client is told once, and the spent order is never paid again. When
// PayPal completes it (its webhook, or the order read again) it is
// recorded as a mismatch and refunded in full, with no new hold; when
// PayPal denies it, nothing was taken and nothing is refunded.
func TestPendingCaptureMismatch(t *testing.T) {
	ctx := context.Background()
	taken := tori.Money{Amount: 35050, Currency: "USD"}
	start := func(t *testing.T) (*tori.Bookings, *paypaltest.Server, tori.Appointment) {
		b, _ := mustBookings(t)
		fake := mustPayPal(t, b)
		h, r := pendingShort(t, b, fake)
		a := r.Appointment
		if r.Outcome != tori.PayMismatchPending || !r.Fresh || a.PayState != tori.PayStateMismatchPending || a.Status == tori.StatusHeld || a.Paid != taken || a.RefundState != tori.RefundNone {
			t.Fatalf("= %s fresh %v, %+v", r.Outcome, r.Fresh, a)
		}
		if _, err := b.Hold(ctx, omer, "talk", "adi", h.Start, 0); err != nil {
			t.Fatalf("the time is still held for a capture that cannot book it: %v", err)
		}
		if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PayMismatchPending || r.Fresh {
			t.Fatalf("again = %+v, %v", r, err)
		}
		if _, err := b.StartPayment(ctx, dana, h.ID, 0); tori.ErrorCode(err) != tori.EEXPIRED {
			t.Fatalf("StartPayment of its spent order: %v", err)
		}
		return b, fake, h
	}

	t.Run("CompletedByWebhook", func(t *testing.T) {
		b, fake, h := start(t)
		fake.CompletePending(h.OrderID)
		c := tori.Capture{ID: fake.CaptureResource(h.OrderID)["id"].(string), Status: "COMPLETED", Amount: taken}
		r, err := b.CompletePayment(ctx, h.OrderID, &c)
		if a := r.Appointment; err != nil || r.Outcome != tori.PaidMismatch || !r.Fresh || a.Successor != "" || a.RefundState != tori.RefundRefunded || a.Refunded != taken {
			t.Fatalf("completed = %+v, %v", r, err)
		}
		if rf := fake.Refunds(c.ID); len(rf) != 1 || rf[0].Value != "350.50" || rf[0].Currency != "USD" {
			t.Fatalf("refunds at PayPal: %+v", rf)
		}
	})
	t.Run("CompletedReadAgain", func(t *testing.T) {
		b, fake, h := start(t)
		fake.CompletePending(h.OrderID)
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PaidMismatch || !r.Fresh || r.Appointment.Successor != "" || r.Appointment.Refunded != taken {
			t.Fatalf("completed = %+v, %v", r, err)
		}
	})
	t.Run("Denied", func(t *testing.T) {
		b, fake, h := start(t)
		fake.DenyPending(h.OrderID)
		a, fresh, err := b.PaymentDenied(ctx, h.OrderID)
		if err != nil || !fresh || a.PayState != tori.PayStateLost || a.RefundState != tori.RefundNone {
			t.Fatalf("denied = %+v, %v, %v", a, fresh, err)
		}
		if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Fresh || r.Outcome == tori.PaidMismatch {
			t.Fatalf("after the denial = %+v, %v", r, err)
		}
		if len(fake.Refunds(a.CaptureID)) != 0 {
			t.Fatal("refunded a capture PayPal denied")
		}
	})
}
