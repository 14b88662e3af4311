package tori_test

import (
	"context"
	"testing"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// mismatchPending pays for an intake ($350.50 taken for the ₪350.50 due)
// with PayPal refusing the refund: the refund of $350.50 stays pending.
func mismatchPending(t *testing.T, b *tori.Bookings, fake *paypaltest.Server) tori.Appointment {
	t.Helper()
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("refund", paypaltest.Refused)
	r, err := b.CompletePayment(context.Background(), h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidMismatch || r.Appointment.RefundState != tori.RefundPending {
		t.Fatalf("= %+v, %v", r, err)
	}
	return r.Appointment
}

func usd(n int64) tori.Money { return tori.Money{Amount: n, Currency: "USD"} }

// TestPartialRefundAtPayPal: a pending refund of $350.50 meets a refund of
// $50 made by hand at PayPal (its webhook, with PayPal's total refunded or
// without): that is not the refund due. It stays pending, with the $50
// recorded and the rest handed to the practice: tori asks PayPal no more
// (PayPal would refuse more than is left); the same refund reported again
// tells nobody again. The rest refunded by hand settles it, at $350.50 in
// all.
func TestPartialRefundAtPayPal(t *testing.T) {
	for _, withTotal := range []bool{true, false} {
		name := "WithoutTotal"
		if withTotal {
			name = "WithTotal"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b, _ := mustBookings(t)
			fake := mustPayPal(t, b)
			a := mismatchPending(t, b, fake)
			refund := func(value string, amount, total int64) tori.Refund {
				t.Helper()
				res, err := fake.ManualRefund(a.CaptureID, value)
				if err != nil {
					t.Fatal(err)
				}
				r := tori.Refund{ID: res["id"].(string), Status: "COMPLETED", Amount: usd(amount)}
				if withTotal {
					r.Total = usd(total)
				}
				return r
			}

			part := refund("50.00", 5000, 5000)
			for i := range 2 { // reported twice: counted once, told once
				want := tori.RefundShort
				if i > 0 {
					want = tori.RefundIgnored
				}
				got, out, err := b.RefundSettled(ctx, a.CaptureID, part)
				if err != nil || out != want || got.RefundState != tori.RefundPending || !got.RefundByHand || got.Refunded != usd(5000) || got.RefundDue != usd(35050) {
					t.Fatalf("after $50 by hand (report %d): %s %+v, %v; want %q", i+1, out, got, err, want)
				}
			}
			if _, err := b.IssueRefund(ctx, a.ID); tori.ErrorCode(err) != tori.EUNAVAILABLE {
				t.Fatalf("IssueRefund of a refund handed over: %v", err)
			}
			if rf := fake.Refunds(a.CaptureID); len(rf) != 1 {
				t.Fatalf("refunds at PayPal: %+v", rf)
			}

			got, out, err := b.RefundSettled(ctx, a.CaptureID, refund("300.50", 30050, 35050))
			if err != nil || out != tori.RefundSettledNow || got.RefundState != tori.RefundRefunded || got.Refunded != usd(35050) {
				t.Fatalf("after the rest by hand: %s %+v, %v", out, got, err)
			}
			if _, out, _ := b.RefundSettled(ctx, a.CaptureID, part); out != tori.RefundIgnored {
				t.Fatalf("a refund reported after it settled: %s", out)
			}
		})
	}
}

// TestRefundReportedInFull: PayPal's report of the refund due (tori's own,
// whose answer was lost) settles it; one in another currency does not.
func TestRefundReportedInFull(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	a := mismatchPending(t, b, fake)
	if _, out, _ := b.RefundSettled(ctx, a.CaptureID, tori.Refund{ID: "R-ILS", Amount: ils(35050)}); out != tori.RefundShort {
		t.Fatalf("₪350.50 reported against $350.50 due: %s", out)
	}
	got, out, err := b.RefundSettled(ctx, a.CaptureID, tori.Refund{ID: "R-USD", Amount: usd(35050)})
	if err != nil || out != tori.RefundSettledNow || got.Refunded != usd(35050) {
		t.Fatalf("$350.50 reported: %s %+v, %v", out, got, err)
	}
}

// TestPendingRefundWaitsForItsBackoff: while PayPal's refunds do not
// answer, the refund of a mismatched capture is asked for once by the
// call that recorded it; the buyer's return loaded again, a webhook or
// reconciliation within its backoff leave it to the refunds queue, so
// that its attempts are not spent in minutes.
func TestPendingRefundWaitsForItsBackoff(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	fake := mustPayPal(t, b)
	h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if err := fake.SetAmount(h.OrderID, "ILS", "1.00"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		fake.FailNext("refund", paypaltest.ServerError)
	}
	for i := range 4 {
		r, err := b.CompletePayment(ctx, h.OrderID, nil)
		if err != nil || r.Outcome != tori.PaidMismatch || r.Fresh != (i == 0) {
			t.Fatalf("completion %d = %+v, %v", i, r, err)
		}
		if a := r.Appointment; a.RefundState != tori.RefundPending || a.RefundTries != 1 {
			t.Fatalf("after completion %d: refund %s, %d attempts", i, a.RefundState, a.RefundTries)
		}
	}
}
