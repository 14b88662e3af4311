package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// TestReconcileMismatch: the buyer approved an order whose capture takes
// $350.50 for a ₪350.50 session and never came back. Reconciliation
// captures it, records the mismatch, refunds it (retrying a refusal with
// growing pauses) and tells the client and the therapist once; the new
// hold it made for the time ends as any hold does, told once.
func TestReconcileMismatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	h, err := e.bookings.Hold(ctx, dana, "intake", "adi", e.clock.At(thu, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if h, err = e.bookings.StartPayment(ctx, dana, h.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.pp.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	if err := e.pp.Approve(h.OrderID); err != nil {
		t.Fatal(err)
	}
	e.pp.FailNext("refund", paypaltest.Refused)
	e.clock.Add(2 * time.Minute)
	if n := e.run(e.worker.reconcile); n != 1 {
		t.Fatal("not reconciled")
	}
	a, _ := e.store.Appointment(ctx, h.ID)
	usd := tori.Money{Amount: 35050, Currency: "USD"}
	if a.Status == tori.StatusConfirmed || a.PayState != tori.PayStateMismatch || a.Paid != usd || a.RefundState != tori.RefundPending || a.RefundDue != usd {
		t.Fatalf("recorded %s/%s paid %v refund %s %v", a.Status, a.PayState, a.Paid, a.RefundState, a.RefundDue)
	}
	msgs := e.out.to(101)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "PayPal took $350.50, but this session's price is ₪350.50") ||
		!strings.Contains(msgs[0].Text, "PayPal has not confirmed the refund yet") || !strings.Contains(msgs[0].Text, "still held for you until <b>10:17</b>") {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if msgs := e.out.to(9001); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "PayPal took $350.50, but ₪350.50 was due") ||
		!strings.Contains(msgs[0].Text, "(PayPal has not confirmed the refund yet; it is retried)") {
		t.Fatalf("the therapist was told:\n%s", texts(msgs))
	}

	// Told once, and no longer watched.
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.reconcile); n != 0 || len(e.out.to(101)) != 1 || len(e.out.to(9001)) != 1 {
		t.Fatal("reconciled or told again")
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 0 {
		t.Fatal("the mismatched payment is still watched")
	}

	// The refund is retried by the worker: the same request, a new id after
	// the refusal; exactly what was taken, once.
	e.clock.Add(2 * time.Minute)
	if n := e.run(e.worker.retryRefunds); n != 1 {
		t.Fatal("the refund was not retried")
	}
	if rf := e.pp.Refunds(a.CaptureID); len(rf) != 1 || rf[0].Currency != "USD" || rf[0].Value != "350.50" {
		t.Fatalf("refunds at PayPal: %+v", rf)
	}
	if msgs := e.out.to(101); len(msgs) != 2 || !strings.Contains(msgs[1].Text, "$350.50 has been refunded") {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	e.clock.Add(time.Hour)
	if n := e.run(e.worker.retryRefunds); n != 0 || len(e.pp.Refunds(a.CaptureID)) != 1 {
		t.Fatal("refunded again")
	}

	// The new hold ends unpaid: its end is told (once); the mismatched one's is not.
	e.run(e.worker.expireHolds)
	e.run(e.worker.expireHolds)
	msgs = e.out.to(101)
	ended := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, "ended at 10:17") {
			ended++
		}
	}
	if ended != 1 || len(msgs) != 3 {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if next, _ := e.store.Appointment(ctx, a.Successor); next.Status != tori.StatusExpired {
		t.Fatalf("the new hold is %s", next.Status)
	}
}
