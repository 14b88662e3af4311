package tori_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
)

func ils(n int64) tori.Money { return tori.Money{Amount: n, Currency: "ILS"} }

func mustPayPal(t *testing.T, b *tori.Bookings) *paypaltest.Server {
	t.Helper()
	fake := paypaltest.New()
	t.Cleanup(fake.Close)
	p, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: fake.URL,
		WebhookID: paypaltest.WebhookID, ReturnURL: "https://x/paypal/return", CancelURL: "https://x/paypal/cancel", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.Payments = p
	return fake
}

// pay holds svc at start for c, starts the payment, and has the buyer approve it.
func pay(t *testing.T, b *tori.Bookings, fake *paypaltest.Server, c tori.Client, svc string, start time.Time) tori.Appointment {
	t.Helper()
	ctx := context.Background()
	h, err := b.Hold(ctx, c, svc, "", start, 0)
	if err != nil {
		t.Fatal(err)
	}
	h, err = b.StartPayment(ctx, c, h.ID, 77)
	if err != nil {
		t.Fatal(err)
	}
	if h.OrderID == "" || h.ApproveURL == "" || h.PayState != tori.PayStateOrdered || h.Message != 77 {
		t.Fatalf("after StartPayment: %+v", h)
	}
	if err := fake.Approve(h.OrderID); err != nil {
		t.Fatal(err)
	}
	return h
}

func mustPaid(t *testing.T, b *tori.Bookings, fake *paypaltest.Server, c tori.Client, svc string, start time.Time) tori.Appointment {
	t.Helper()
	h := pay(t, b, fake, c, svc, start)
	r, err := b.CompletePayment(context.Background(), h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow || !r.Fresh {
		t.Fatalf("CompletePayment = %+v, %v", r, err)
	}
	return r.Appointment
}

func TestPayAndConfirm(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if h.Due != ils(35050) {
		t.Fatalf("due %v", h.Due)
	}
	// Until paid, it is not a booking: Confirm refuses.
	if _, err := b.Confirm(ctx, dana, h.ID); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("Confirm of a paid hold: %v", err)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow || !r.Fresh {
		t.Fatalf("first = %+v, %v", r, err)
	}
	a := r.Appointment
	if a.Status != tori.StatusConfirmed || a.Paid != ils(35050) || a.CaptureID == "" || a.PayState != tori.PayStatePaid {
		t.Fatalf("appointment = %+v", a)
	}
	// The buyer comes back twice, and the webhook arrives too: one capture,
	// nobody told twice.
	for range 2 {
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PaidNow || r.Fresh {
			t.Fatalf("again = %+v, %v", r, err)
		}
	}
	c := tori.Capture{ID: a.CaptureID, Status: "COMPLETED", Amount: ils(35050)}
	if r, err := b.CompletePayment(ctx, h.OrderID, &c); err != nil || r.Fresh {
		t.Fatalf("webhook = %+v, %v", r, err)
	}
	if n := fake.Calls("capture"); n != 1 {
		t.Fatalf("%d captures reached PayPal", n)
	}
}

// TestStartPaymentOfSomeoneElsesHold: a hold passed in by another client
// is refused as not found, and no order is made for it.
func TestStartPaymentOfSomeoneElsesHold(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h, err := b.Hold(ctx, dana, "intake", "", at(b, tue, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartPaymentOf(ctx, omer, h, 0); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("another client's hold: %v", err)
	}
	if n := len(fake.Orders()); n != 0 {
		t.Fatalf("%d orders made for another client's hold", n)
	}
	if a, err := b.StartPaymentOf(ctx, dana, h, 5); err != nil || a.OrderID == "" || a.Message != 5 {
		t.Fatalf("the client's own hold: %+v, %v", a, err)
	}
}

func TestReturnAndWebhookRace(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	var wg sync.WaitGroup
	results := make([]tori.PaymentResult, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A capture PayPal has in hand for another caller answers
			// PREVIOUS_REQUEST_IN_PROGRESS (EUNAVAILABLE): the caller tries
			// again, as the return page and PayPal's webhook do.
			r, err := b.CompletePayment(ctx, h.OrderID, nil)
			for try := 0; tori.ErrorCode(err) == tori.EUNAVAILABLE && try < 50; try++ {
				time.Sleep(20 * time.Millisecond)
				r, err = b.CompletePayment(ctx, h.OrderID, nil)
			}
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	fresh := 0
	for _, r := range results {
		if r.Outcome != tori.PaidNow {
			t.Fatalf("outcome %s", r.Outcome)
		}
		if r.Fresh {
			fresh++
		}
	}
	o, _ := fake.Order(h.OrderID)
	if fresh != 1 || o.Capture == nil {
		t.Fatalf("%d fresh results (want 1), capture %+v", fresh, o.Capture)
	}
}

func TestHoldRanOutBeforeReturn(t *testing.T) {
	ctx := context.Background()
	t.Run("TakenMeanwhile", func(t *testing.T) {
		b, c := mustBookings(t)
		fake := mustPayPal(t, b)
		h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		c.t = c.t.Add(20 * time.Minute)
		if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:00"), 0); err != nil {
			t.Fatal(err)
		}
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PayTaken || !r.Fresh {
			t.Fatalf("= %+v, %v", r, err)
		}
		if fake.Calls("capture") != 0 {
			t.Fatal("a capture was attempted for a lost time")
		}
		if r, _ := b.CompletePayment(ctx, h.OrderID, nil); r.Outcome != tori.PayTaken || r.Fresh {
			t.Fatalf("second return = %+v", r)
		}
	})
	t.Run("StillFree", func(t *testing.T) {
		b, c := mustBookings(t)
		fake := mustPayPal(t, b)
		h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		c.t = c.t.Add(40 * time.Minute)
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PaidNow {
			t.Fatalf("= %+v, %v", r, err)
		}
	})
}

func TestCapturedAfterTimeLost(t *testing.T) {
	// The payment completed at PayPal (reported by a webhook) after the hold
	// ran out and someone else took the time: refunded in full, automatically.
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.Pending)
	if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PayPending {
		t.Fatalf("pending = %+v, %v", r, err)
	}
	c.t = c.t.Add(30 * time.Minute) // the capture grace (10 min) has passed
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	fake.CompletePending(h.OrderID)
	o, _ := fake.Order(h.OrderID)
	cp := tori.Capture{ID: o.Capture.ID, Status: "COMPLETED", Amount: ils(35050)}
	r, err := b.CompletePayment(ctx, h.OrderID, &cp)
	if err != nil || r.Outcome != tori.PaidTimeLost || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	a := r.Appointment
	if a.RefundState != tori.RefundRefunded || a.Refunded != ils(35050) || a.Status == tori.StatusConfirmed {
		t.Fatalf("appointment = %+v", a)
	}
	if rf := fake.Refunds(cp.ID); len(rf) != 1 || rf[0].Value != "350.50" {
		t.Fatalf("refunds at PayPal: %+v", rf)
	}
}

func TestDeclinedThenPaid(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.Declined)
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PayDeclined || r.Appointment.Status != tori.StatusHeld {
		t.Fatalf("declined = %+v, %v", r, err)
	}
	fake.Approve(h.OrderID) // the buyer tries again with another card
	if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PaidNow || !r.Fresh {
		t.Fatalf("paid = %+v, %v", r, err)
	}
}

func TestCaptureTimeoutThenFinished(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.AfterCommit) // captured at PayPal; the answer is lost
	if _, err := b.CompletePayment(ctx, h.OrderID, nil); tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("err = %v", err)
	}
	a, _ := b.Store.Appointment(ctx, h.ID)
	if a.PayState != tori.PayStateCapturing {
		t.Fatalf("intent not recorded: %s", a.PayState)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow || !r.Fresh {
		t.Fatalf("finished = %+v, %v", r, err)
	}
}

// TestCancelAtTierBoundaries cancels a prepaid ₪350.50 booking at each
// boundary; the refund PayPal is asked for is exact.
func TestCancelAtTierBoundaries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		notice time.Duration
		refund int64
		value  string
	}{
		{"Exactly48h", 48 * time.Hour, 35050, "350.50"},
		{"JustUnder48h", 48*time.Hour - time.Minute, 17525, "175.25"},
		{"Exactly24h", 24 * time.Hour, 17525, "175.25"},
		{"JustUnder24h", 24*time.Hour - time.Minute, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := mustBookings(t)
			fake := mustPayPal(t, b)
			start := at(b, tue.AddDays(2), "10:00")
			a := mustPaid(t, b, fake, dana, "intake", start)
			c.t = start.Add(-tt.notice)
			_, terms, err := b.QuoteCancel(ctx, dana, a.ID)
			if err != nil || terms.Refund != ils(tt.refund) {
				t.Fatalf("quote = %+v, %v", terms, err)
			}
			got, _, fresh, err := b.Cancel(ctx, dana, a.ID, -1)
			if err != nil || !fresh || got.RefundDue != ils(tt.refund) {
				t.Fatalf("cancel = %+v, %v", got, err)
			}
			refunds := fake.Refunds(a.CaptureID)
			if tt.refund == 0 {
				if len(refunds) != 0 || got.RefundState != tori.RefundNone {
					t.Fatalf("refunds %+v, state %s", refunds, got.RefundState)
				}
				return
			}
			if len(refunds) != 1 || refunds[0].Value != tt.value || got.RefundState != tori.RefundRefunded || got.Refunded != ils(tt.refund) {
				t.Fatalf("refunds %+v, appointment %+v", refunds, got)
			}
		})
	}
}

func TestTwoCancelsOneRefund(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	a := mustPaid(t, b, fake, dana, "intake", at(b, tue.AddDays(7), "10:00"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, f, err := b.Cancel(ctx, dana, a.ID, -1)
			if err != nil && tori.ErrorCode(err) != tori.ECONFLICT {
				t.Error(err)
			}
			if f {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if refunds := fake.Refunds(a.CaptureID); len(refunds) != 1 || fresh != 1 {
		t.Fatalf("%d refunds at PayPal, %d fresh cancels", len(refunds), fresh)
	}
}

func TestRefundFailsThenRetried(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	a := mustPaid(t, b, fake, dana, "intake", at(b, tue.AddDays(7), "10:00"))
	fake.FailNext("refund", paypaltest.Refused)
	got, _, _, err := b.Cancel(ctx, dana, a.ID, -1)
	if err != nil || got.RefundState != tori.RefundPending || got.RefundTries != 1 || got.Status != tori.StatusCancelledByClient {
		t.Fatalf("after a refused refund: %+v, %v", got, err)
	}
	fake.FailNext("refund", paypaltest.Timeout)
	if got, err = b.IssueRefund(ctx, a.ID); tori.ErrorCode(err) != tori.EUNAVAILABLE || got.RefundState != tori.RefundPending || got.RefundTries != 1 {
		t.Fatalf("retried at once: %+v, %v", got, err)
	}
	c.t = c.t.Add(tori.RefundBackoff(1)) // the worker's retry, after its pause
	if got, err = b.IssueRefund(ctx, a.ID); tori.ErrorCode(err) != tori.EUNAVAILABLE || got.RefundState != tori.RefundPending || got.RefundTries != 2 {
		t.Fatalf("after a timeout: %+v, %v", got, err)
	}
	c.t = c.t.Add(tori.RefundBackoff(2))
	if got, err = b.IssueRefund(ctx, a.ID); err != nil || got.RefundState != tori.RefundRefunded || got.Refunded != ils(35050) {
		t.Fatalf("retry: %+v, %v", got, err)
	}
	if got, err = b.IssueRefund(ctx, a.ID); err != nil || len(fake.Refunds(a.CaptureID)) != 1 {
		t.Fatalf("a refunded refund was asked again: %v, %d", err, len(fake.Refunds(a.CaptureID)))
	}
}

func TestDeposit(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	start := at(b, tue.AddDays(2), "14:00")
	a := mustPaid(t, b, fake, dana, "couple", start)
	if a.Due != ils(18000) || a.Paid != ils(18000) {
		t.Fatalf("deposit: %+v", a)
	}
	if o, _ := fake.Order(a.OrderID); o.Value != "180.00" {
		t.Fatalf("PayPal was asked for %s", o.Value)
	}
	c.t = start.Add(-30 * time.Hour) // 50% of the deposit comes back
	got, _, _, err := b.Cancel(ctx, dana, a.ID, -1)
	if err != nil || got.Refunded != ils(9000) {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
}

func TestForgiveFirstLateCancellation(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	b.Practice.Policy.ForgiveFirstLate = true
	fake := mustPayPal(t, b)
	first := mustPaid(t, b, fake, dana, "intake", at(b, tue.AddDays(2), "10:00"))
	second := mustPaid(t, b, fake, dana, "intake", at(b, tue.AddDays(8), "10:00"))
	c.t = first.Start.Add(-10 * time.Hour)
	got, terms, _, err := b.Cancel(ctx, dana, first.ID, -1)
	if err != nil || !terms.Forgiven || got.Refunded != ils(35050) || !got.Forgiven {
		t.Fatalf("first late: %+v %+v %v", terms, got, err)
	}
	c.t = second.Start.Add(-10 * time.Hour)
	_, terms, _, err = b.Cancel(ctx, dana, second.ID, -1)
	if err != nil || terms.Forgiven || terms.Refund.Amount != 0 {
		t.Fatalf("second late: %+v %v", terms, err)
	}
}

func TestRepeatOffenderPrepays(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	b.Practice.Policy.RepeatCount, b.Practice.Policy.RepeatWithin = 2, 90*24*time.Hour
	mustPayPal(t, b)
	book := func(d tori.Date, hm string) tori.Appointment {
		h, err := b.Hold(ctx, dana, "talk", "adi", at(b, d, hm), 0)
		if err != nil {
			t.Fatal(err)
		}
		if h.Payment != tori.PayNone {
			t.Fatalf("prepay asked before two strikes: %+v", h)
		}
		a, err := b.Confirm(ctx, dana, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	late := book(tue, "15:00")
	if _, _, _, err := b.Cancel(ctx, dana, late.ID, -1); err != nil { // 29 hours before: late
		t.Fatal(err)
	}
	missed := book(tue, "16:00")
	c.t = missed.Start.Add(time.Hour)
	if _, err := b.MarkNoShow(ctx, missed.ID); err != nil {
		t.Fatal(err)
	}
	h, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(7), "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.Payment != tori.PayFull || h.Due != ils(35000) || h.Prepay != "repeat" {
		t.Fatalf("a repeat offender's hold: %+v", h)
	}
	if _, err := b.Confirm(ctx, dana, h.ID); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("confirmed without paying: %v", err)
	}
	// Another client is not affected.
	o, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue.AddDays(7), "15:00"), 0)
	if err != nil || o.Payment != tori.PayNone {
		t.Fatalf("omer: %+v, %v", o, err)
	}
}

func TestPracticeCancelRefundsInFull(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	a := mustPaid(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	c.t = a.Start.Add(-2 * time.Hour) // late, but it is the practice cancelling
	got, fresh, err := b.CancelByPractice(ctx, a.ID)
	if err != nil || !fresh || got.Status != tori.StatusCancelledByPractice || got.Refunded != ils(35050) {
		t.Fatalf("= %+v, %v", got, err)
	}
	if _, fresh, err := b.CancelByPractice(ctx, a.ID); err != nil || fresh || len(fake.Refunds(a.CaptureID)) != 1 {
		t.Fatalf("second: %v %v", fresh, err)
	}
}

func TestRescheduleKeepsPayment(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	a := mustPaid(t, b, fake, dana, "intake", at(b, tue.AddDays(2), "09:00"))
	mh, err := b.HoldMove(ctx, dana, a.ID, at(b, tue.AddDays(5), "15:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if mh.Payment != tori.PayNone || mh.Due.Amount != 0 {
		t.Fatalf("the move asks for money: %+v", mh)
	}
	moved, err := b.Confirm(ctx, dana, mh.ID)
	if err != nil || moved.Paid != ils(35050) || moved.CaptureID != a.CaptureID || moved.PayState != tori.PayStatePaid {
		t.Fatalf("moved = %+v, %v", moved, err)
	}
	if len(fake.Orders()) != 1 || fake.Calls("capture") != 1 {
		t.Fatal("the move created or captured another payment")
	}
}

// TestCapturedAnswerLostThenTimeTaken: the capture went through at PayPal
// but its answer was lost; by the next try the hold ran out and the time
// was taken. PayPal is asked: the money was taken, so it is refunded in
// full, and nobody is told "nothing was charged".
func TestCapturedAnswerLostThenTimeTaken(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.AfterCommit)
	if _, err := b.CompletePayment(ctx, h.OrderID, nil); tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("%v", err)
	}
	c.t = c.t.Add(30 * time.Minute)
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidTimeLost || !r.Fresh {
		t.Fatalf("= %+v, %v", r, err)
	}
	o, _ := fake.Order(h.OrderID)
	if rf := fake.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Value != "350.50" || r.Appointment.RefundState != tori.RefundRefunded {
		t.Fatalf("refunds %+v, state %s", rf, r.Appointment.RefundState)
	}
}

// TestNoReleaseWhileCapturing: a hold whose payment is being captured is
// not let go (by picking another time or Cancel).
func TestNoReleaseWhileCapturing(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.Pending)
	if r, _ := b.CompletePayment(ctx, h.OrderID, nil); r.Outcome != tori.PayPending || !r.Fresh {
		t.Fatalf("%+v", r)
	}
	if err := b.Release(ctx, dana, h.ID); tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("released while pending: %v", err)
	}
	if r, _ := b.CompletePayment(ctx, h.OrderID, nil); r.Outcome != tori.PayPending || r.Fresh {
		t.Fatalf("pending told twice: %+v", r)
	}
	// PayPal denies it: nothing taken, the hold is let go, once.
	a, fresh, err := b.PaymentDenied(ctx, h.OrderID)
	if err != nil || !fresh || a.Status != tori.StatusCancelledByClient || a.PayState != tori.PayStateLost {
		t.Fatalf("denied: %+v %v %v", a, fresh, err)
	}
	if _, fresh, _ := b.PaymentDenied(ctx, h.OrderID); fresh {
		t.Fatal("denied twice")
	}
	if _, err := b.Hold(ctx, omer, "intake", "adi", at(b, tue, "10:00"), 0); err != nil {
		t.Fatalf("the time was not freed: %v", err)
	}
}

// TestDeclineToldOnce: after a decline, coming back without approving
// again is "not approved yet", not a second decline.
func TestDeclineToldOnce(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	fake.FailNext("capture", paypaltest.Declined)
	if r, _ := b.CompletePayment(ctx, h.OrderID, nil); r.Outcome != tori.PayDeclined || !r.Fresh {
		t.Fatalf("%+v", r)
	}
	r, err := b.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PayNotApproved || r.Fresh || r.Appointment.Declines != 1 || r.Appointment.PayState != tori.PayStateOrdered {
		t.Fatalf("reload: %+v, %v", r, err)
	}
	fake.FailNext("capture", paypaltest.DeclinedStatus) // a 201 whose capture is DECLINED
	fake.Approve(h.OrderID)
	if r, _ := b.CompletePayment(ctx, h.OrderID, nil); r.Outcome != tori.PayDeclined || !r.Fresh {
		t.Fatalf("declined status: %+v", r)
	}
}
