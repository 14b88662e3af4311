package scheduler

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// approvedShort holds an intake on Thursday 10:00 for c, starts its
// payment, makes its order take $350.50 at PayPal (for the ₪350.50 due),
// and has the buyer approve it.
func (e *env) approvedShort(c tori.Client) tori.Appointment {
	e.t.Helper()
	ctx := context.Background()
	h, err := e.bookings.Hold(ctx, c, "intake", "adi", e.clock.At(thu, "10:00"), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if h, err = e.bookings.StartPayment(ctx, c, h.ID, 0); err != nil {
		e.t.Fatal(err)
	}
	if err := e.pp.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.pp.Approve(h.OrderID); err != nil {
		e.t.Fatal(err)
	}
	return h
}

// TestReconcileMismatch: the buyer approved an order whose capture takes
// $350.50 for a ₪350.50 session and never came back. Reconciliation
// captures it, records the mismatch, refunds it (retrying a refusal with
// growing pauses) and tells the client and the therapist once; the new
// hold it made for the time ends as any hold does, told once.
func TestReconcileMismatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	h := e.approvedShort(dana)
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
	// The explanation, then the way to pay again in a message of its own.
	msgs := e.out.to(101)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "PayPal took $350.50, but this session's price is ₪350.50") ||
		!strings.Contains(msgs[0].Text, "PayPal has not confirmed the refund yet") || !strings.Contains(msgs[0].Text, "still held for you until <b>10:17</b>") ||
		!strings.Contains(msgs[1].Text, "Pay again to book this time") || !strings.Contains(msgs[1].Text, "Held for you until <b>10:17</b>") {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if msgs := e.out.to(9001); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "PayPal took $350.50, but ₪350.50 was due") ||
		!strings.Contains(msgs[0].Text, "(PayPal has not confirmed the refund yet; it is retried)") {
		t.Fatalf("the therapist was told:\n%s", texts(msgs))
	}

	// Told once, and no longer watched.
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.reconcile); n != 0 || len(e.out.to(101)) != 2 || len(e.out.to(9001)) != 1 {
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
	if msgs := e.out.to(101); len(msgs) != 3 || !strings.Contains(msgs[2].Text, "$350.50 has been refunded") {
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
	if ended != 1 || len(msgs) != 4 {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if next, _ := e.store.Appointment(ctx, a.Successor); next.Status != tori.StatusExpired {
		t.Fatalf("the new hold is %s", next.Status)
	}
}

// offerPaidShort makes a waitlist offer of Thursday 10:00 to w1 (w2 is
// second in line), which w1 takes and pays with a capture of $350.50 for
// the ₪350.50 due: it returns the freeing's id, the offer and its
// successor.
func (e *env) offerPaidShort(w1, w2 tori.Client) (string, tori.Appointment, tori.Appointment) {
	e.t.Helper()
	t := e.t
	ctx := context.Background()
	a := e.book(client(101), "talk", e.clock.At(thu, "10:00"))
	e.join(w1, "intake", "adi", thu, thu, tori.AnyTime)
	e.join(w2, "intake", "adi", thu, thu, tori.AnyTime)
	e.cancel(client(101), a.ID)
	if n := e.run(e.worker.offerFreedTimes); n != 1 {
		t.Fatalf("offers after the cancellation: %d", n)
	}
	_, id := e.offers(w1.ID)
	h, err := e.bookings.TakeOffer(ctx, w1, id)
	if err != nil {
		t.Fatal(err)
	}
	if h, err = e.bookings.StartPayment(ctx, w1, h.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.pp.SetAmount(h.OrderID, "USD", "350.50"); err != nil {
		t.Fatal(err)
	}
	if err := e.pp.Approve(h.OrderID); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(10 * time.Minute) // paid late in the offer's window: the successor holds the time past it
	r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidMismatch || r.Appointment.Successor == "" {
		t.Fatalf("= %+v, %v", r, err)
	}
	next, err := e.store.Appointment(ctx, r.Appointment.Successor)
	if err != nil || next.Offer != h.Offer || next.Status != tori.StatusHeld {
		t.Fatalf("successor = %+v, %v; the offer was %q", next, err, h.Offer)
	}
	fid, _, _ := strings.Cut(h.Offer, "/")
	return fid, h, next
}

func (e *env) offerLocked(c tori.Client) bool {
	n, err := e.store.Redis.Exists(context.Background(), e.store.Prefix+"{wl}:lock:"+strconv.FormatInt(c.ID, 10)).Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return n == 1
}

// TestWaitlistOfferMismatchThenPaid: a waitlist offer paid with a capture
// of another amount passes its time and its offer on to its successor.
// While the successor holds the time nobody else is offered it and no
// offer is sent for it; paying it fills the freed time, ends the client's
// waitlist entry and gives their offer lock back.
func TestWaitlistOfferMismatchThenPaid(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	w1, w2 := client(201), client(202)
	fid, offer, next := e.offerPaidShort(w1, w2)

	// The offer's window is over; its successor still holds the time.
	e.clock.Set(offer.HoldUntil.Add(time.Minute))
	if !e.clock.Now().Before(next.HoldUntil) {
		t.Fatalf("the successor ends at %v", next.HoldUntil)
	}
	if n := e.run(e.worker.offerFreedTimes); n != 0 {
		t.Fatalf("%d offers while the successor holds the time", n)
	}
	if f, _ := e.store.Freeing(ctx, fid); f.State != "" {
		t.Fatalf("the freed time ended (%s) while the successor holds it", f.State)
	}
	if n, _ := e.offers(w1.ID); n != 1 {
		t.Fatalf("%d offers to the client", n)
	}
	if n, _ := e.offers(w2.ID); n != 0 {
		t.Fatal("the next in line was offered a held time")
	}

	next, err := e.bookings.StartPayment(ctx, w1, next.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pp.Approve(next.OrderID); err != nil {
		t.Fatal(err)
	}
	r, err := e.bookings.CompletePayment(ctx, next.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow || !r.Fresh {
		t.Fatalf("paid again = %+v, %v", r, err)
	}
	if f, err := e.store.Freeing(ctx, fid); err != nil || f.State != tori.FreeingFilled || f.FilledBy != next.ID {
		t.Fatalf("the freed time = %+v, %v; want filled by %s", f, err, next.ID)
	}
	if es, _ := e.bookings.Waitlist(ctx, w1); len(es) != 0 {
		t.Fatalf("the entry that was served stays: %+v", es)
	}
	if e.offerLocked(w1) {
		t.Fatal("the client's offer lock is still taken")
	}
	e.clock.Add(time.Hour)
	if n := e.run(e.worker.offerFreedTimes); n != 0 || strings.Contains(texts(e.out.to(9001)), "Nobody on the waitlist") {
		t.Fatalf("%d offers after it was filled; therapist:\n%s", n, texts(e.out.to(9001)))
	}
}

// TestWaitlistOfferMismatchSuccessorEnds: the successor of a mismatched
// waitlist offer that runs out unpaid passes the freed time on to the
// next in line, and gives its client's offer lock back.
func TestWaitlistOfferMismatchSuccessorEnds(t *testing.T) {
	e := newEnv(t, nil)
	w1, w2 := client(201), client(202)
	_, _, next := e.offerPaidShort(w1, w2)

	e.clock.Set(next.HoldUntil.Add(time.Second))
	e.run(e.worker.expireHolds)
	if e.offerLocked(w1) {
		t.Fatal("the client's offer lock is still taken")
	}
	if n := e.run(e.worker.offerFreedTimes); n != 1 {
		t.Fatalf("offers after the successor ran out: %d", n)
	}
	if n, _ := e.offers(w2.ID); n != 1 {
		t.Fatal("the next in line was not offered the time")
	}
}

// TestReconcilePendingMismatch: reconciliation captures an approved order
// whose capture PayPal leaves PENDING at $350.50 for the ₪350.50 due: the
// client is told once that nothing is booked and the time is let go (the
// hold's end is not told: it ended with the payment); the payment stays
// watched while PayPal has not finished, and once it completes it is
// recorded as a mismatch, refunded in full, and told.
func TestReconcilePendingMismatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	h := e.approvedShort(dana)
	e.pp.FailNext("capture", paypaltest.Pending)
	e.clock.Add(2 * time.Minute)
	e.run(e.worker.reconcile)
	msgs := e.out.to(101)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "PayPal is processing a payment of $350.50, but this session's price is ₪350.50") ||
		!strings.Contains(msgs[0].Text, "is no longer held for you") {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if _, err := e.bookings.Hold(ctx, client(102), "intake", "adi", h.Start, 0); err != nil {
		t.Fatalf("the time is still held: %v", err)
	}

	// Still pending at PayPal: watched, nobody told again, the hold's end untold.
	for range 2 {
		e.clock.Add(20 * time.Minute)
		e.run(e.worker.reconcile)
		e.run(e.worker.expireHolds)
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 1 {
		t.Fatal("the pending payment is no longer watched")
	}
	if len(e.out.to(101)) != 1 || len(e.out.to(9001)) != 0 {
		t.Fatalf("told again:\n%s\n%s", texts(e.out.to(101)), texts(e.out.to(9001)))
	}

	e.pp.CompletePending(h.OrderID)
	e.clock.Add(time.Minute)
	e.run(e.worker.reconcile)
	a, _ := e.store.Appointment(ctx, h.ID)
	usd := tori.Money{Amount: 35050, Currency: "USD"}
	if a.PayState != tori.PayStateMismatch || a.RefundState != tori.RefundRefunded || a.Refunded != usd || a.Successor != "" {
		t.Fatalf("recorded %s refund %s %v successor %q", a.PayState, a.RefundState, a.Refunded, a.Successor)
	}
	if msgs := e.out.to(101); len(msgs) < 2 || !strings.Contains(msgs[1].Text, "We have given the $350.50 back in full") {
		t.Fatalf("the client was told:\n%s", texts(msgs))
	}
	if msgs := e.out.to(9001); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "PayPal took $350.50, but ₪350.50 was due") {
		t.Fatalf("the therapist was told:\n%s", texts(msgs))
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 0 {
		t.Fatal("the settled payment is still watched")
	}
}
