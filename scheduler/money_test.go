package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/payments/paypaltest"
)

func TestHoldExpiry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana, omer := client(101), client(102)
	first, err := e.bookings.Hold(ctx, dana, "talk", "adi", e.clock.At(thu, "10:00"), 55)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	second, err := e.bookings.Hold(ctx, omer, "talk", "adi", e.clock.At(thu, "15:00"), 66)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(first.HoldUntil.Add(-time.Second))
	if n := e.run(e.worker.expireHolds); n != 0 {
		t.Fatal("a live hold ended")
	}
	e.clock.Set(second.HoldUntil.Add(time.Second)) // both have run out
	if n := e.run(e.worker.expireHolds); n != 2 {
		t.Fatalf("%d holds ended", n)
	}
	got := e.out.to(101)
	if len(got) != 1 || got[0].EditID != 55 || !strings.Contains(got[0].Text, "Your hold on Thu 3/12 10:00 ended at 10:15, so the time is free again and nothing was booked.") {
		t.Fatalf("Dana was told:\n%s", texts(got))
	}
	if len(e.out.to(102)) != 1 || e.out.to(102)[0].EditID != 66 {
		t.Fatal("Omer was not told in place")
	}
	a, _ := e.store.Appointment(ctx, first.ID)
	if a.Status != tori.StatusExpired {
		t.Fatalf("status %s", a.Status)
	}
	// The time is free again, and nobody is told twice.
	if _, err := e.bookings.Hold(ctx, client(103), "talk", "adi", e.clock.At(thu, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour)
	e.run(e.worker.expireHolds)
	if len(e.out.to(101)) != 1 {
		t.Fatal("told twice")
	}
}

func TestConfirmedAndRenewedHoldsDoNotExpire(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.clock.Add(time.Hour)
	e.run(e.worker.expireHolds)
	if got, _ := e.store.Appointment(ctx, a.ID); got.Status != tori.StatusConfirmed || len(e.out.to(101)) != 0 {
		t.Fatalf("a booking was expired: %s", got.Status)
	}
	// A hold confirmed after the worker ended it is renewed if still free.
	h, _ := e.bookings.Hold(ctx, dana, "talk", "adi", e.clock.At(thu, "15:00"), 0)
	e.clock.Add(20 * time.Minute)
	e.run(e.worker.expireHolds)
	if got, err := e.bookings.Confirm(ctx, dana, h.ID); err != nil || got.Status != tori.StatusConfirmed || got.ID != h.ID {
		t.Fatalf("late confirm = %+v, %v", got, err)
	}
}

// paid makes a prepaid intake booking for c at start, paid through PayPal.
func (e *env) paid(c tori.Client, start time.Time) tori.Appointment {
	e.t.Helper()
	ctx := context.Background()
	h, err := e.bookings.Hold(ctx, c, "intake", "adi", start, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	h, err = e.bookings.StartPayment(ctx, c, h.ID, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.pp.Approve(h.OrderID)
	r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow {
		e.t.Fatalf("%+v %v", r, err)
	}
	return r.Appointment
}

func TestRefundRetriedThenDone(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.paid(dana, e.clock.At(thu.AddDays(4), "10:00"))
	e.pp.FailNext("refund", paypaltest.Refused)
	if _, _, _, err := e.bookings.Cancel(ctx, dana, a.ID, -1); err != nil {
		t.Fatal(err)
	}
	if n := e.run(e.worker.retryRefunds); n != 0 {
		t.Fatal("the worker raced the first attempt")
	}
	e.clock.Add(2 * time.Minute)
	e.pp.FailNext("refund", paypaltest.Timeout)
	if n := e.run(e.worker.retryRefunds); n != 0 {
		t.Fatal("refund done through a timeout")
	}
	got, _ := e.store.Appointment(ctx, a.ID)
	if got.RefundState != tori.RefundPending || got.RefundTries != 2 {
		t.Fatalf("after two failures: %s, %d tries", got.RefundState, got.RefundTries)
	}
	if n := e.run(e.worker.retryRefunds); n != 0 {
		t.Fatal("retried before its pause")
	}
	e.clock.Add(tori.RefundBackoff(2))
	if n := e.run(e.worker.retryRefunds); n != 1 {
		t.Fatal("not retried after its pause")
	}
	if msgs := e.out.to(101); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "₪350.50 has been refunded to your PayPal account") {
		t.Fatalf("%s", texts(msgs))
	}
	if msgs := e.out.to(9001); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Refund gone through") {
		t.Fatalf("%s", texts(msgs))
	}
	o, _ := e.pp.Order(a.OrderID)
	if rf := e.pp.Refunds(o.Capture.ID); len(rf) != 1 {
		t.Fatalf("%d refunds at PayPal", len(rf))
	}
	e.clock.Add(time.Hour)
	if n := e.run(e.worker.retryRefunds); n != 0 || len(e.out.to(101)) != 1 {
		t.Fatal("refund worked again")
	}
}

// TestRefundMessageRetried: the refund goes through, but Telegram does not
// take the message to the client nor the therapist's notice: the refund is
// not issued again, and both messages are sent (once) by the worker once
// Telegram is back.
func TestRefundMessageRetried(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.paid(dana, e.clock.At(thu.AddDays(4), "10:00"))
	e.pp.FailNext("refund", paypaltest.Refused)
	if _, _, _, err := e.bookings.Cancel(ctx, dana, a.ID, -1); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Minute)
	e.out.mu.Lock()
	e.out.fail = func(bot.Reply) error {
		return errors.New("error response from telegram for method sendMessage, 502 Bad Gateway")
	}
	e.out.mu.Unlock()
	e.run(e.worker.retryRefunds)
	got, _ := e.store.Appointment(ctx, a.ID)
	if got.RefundState != tori.RefundRefunded || e.out.total() != 0 {
		t.Fatalf("refund %s, %d messages", got.RefundState, e.out.total())
	}
	e.out.mu.Lock()
	e.out.fail = nil
	e.out.mu.Unlock()
	e.clock.Add(time.Minute)
	e.run(e.worker.retryRefunds)
	e.run(e.worker.deliverRelays)
	if msgs := e.out.to(101); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "has been refunded") {
		t.Fatalf("client: %s", texts(msgs))
	}
	if msgs := e.out.to(9001); len(msgs) != 1 {
		t.Fatalf("therapist: %s", texts(msgs))
	}
	o, _ := e.pp.Order(a.OrderID)
	if rf := e.pp.Refunds(o.Capture.ID); len(rf) != 1 {
		t.Fatalf("%d refunds at PayPal", len(rf))
	}
	total := e.out.total()
	e.clock.Add(time.Hour)
	if e.run(e.worker.retryRefunds); e.run(e.worker.deliverRelays) != 0 || e.out.total() != total {
		t.Fatalf("told again: %d messages, %d before", e.out.total(), total)
	}
}

func TestRefundHandedOverAfterAttempts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.p.Worker.RefundAttempts = 3
	dana := client(101)
	a := e.paid(dana, e.clock.At(thu.AddDays(4), "10:00"))
	for range 3 {
		e.pp.FailNext("refund", paypaltest.Refused)
	}
	if _, _, _, err := e.bookings.Cancel(ctx, dana, a.ID, -1); err != nil { // attempt 1
		t.Fatal(err)
	}
	for range 4 {
		e.run(e.worker.retryRefunds)
		e.clock.Add(6 * time.Hour)
	}
	msgs := e.out.to(9001)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Please refund by hand") || !strings.Contains(msgs[0].Text, "₪350.50") || !strings.Contains(msgs[0].Text, "CAPTURE-") {
		t.Fatalf("therapist was told:\n%s", texts(msgs))
	}
	if n := e.pp.Calls("refund"); n != 3 {
		t.Fatalf("%d refund calls, want 3 (then it stops)", n)
	}
}

// TestReconciliation finishes each interrupted payment state with PayPal's
// GetOrder, with no webhook and no return of the buyer.
func TestReconciliation(t *testing.T) {
	ctx := context.Background()
	start := func(e *env, c tori.Client, at time.Time) tori.Appointment {
		h, err := e.bookings.Hold(ctx, c, "intake", "adi", at, 0)
		if err != nil {
			t.Fatal(err)
		}
		if h, err = e.bookings.StartPayment(ctx, c, h.ID, 0); err != nil {
			t.Fatal(err)
		}
		return h
	}
	t.Run("ApprovedBuyerNeverReturned", func(t *testing.T) {
		e := newEnv(t, nil)
		h := start(e, client(101), e.clock.At(thu, "10:00"))
		e.pp.Approve(h.OrderID)
		if n := e.run(e.worker.reconcile); n != 0 {
			t.Fatal("reconciled before its time")
		}
		e.clock.Add(2 * time.Minute)
		if n := e.run(e.worker.reconcile); n != 1 {
			t.Fatal("not reconciled")
		}
		a, _ := e.store.Appointment(ctx, h.ID)
		if a.Status != tori.StatusConfirmed || a.Paid.Amount != 35050 {
			t.Fatalf("%+v", a)
		}
		if msgs := e.out.to(101); len(msgs) != 2 || !strings.Contains(msgs[0].Text, "You're booked.") || msgs[1].Document == nil {
			t.Fatalf("%s", texts(msgs))
		}
	})
	t.Run("CapturedButNotRecorded", func(t *testing.T) {
		e := newEnv(t, nil)
		h := start(e, client(101), e.clock.At(thu, "10:00"))
		e.pp.Approve(h.OrderID)
		e.pp.FailNext("capture", paypaltest.AfterCommit) // captured at PayPal, the answer lost
		if _, err := e.bookings.CompletePayment(ctx, h.OrderID, nil); tori.ErrorCode(err) != tori.EUNAVAILABLE {
			t.Fatalf("%v", err)
		}
		e.clock.Add(2 * time.Minute)
		if n := e.run(e.worker.reconcile); n != 1 {
			t.Fatal("not reconciled")
		}
		a, _ := e.store.Appointment(ctx, h.ID)
		if a.Status != tori.StatusConfirmed || a.PayState != tori.PayStatePaid || e.pp.Calls("capture") != 1 {
			t.Fatalf("%+v, %d captures", a, e.pp.Calls("capture"))
		}
	})
	t.Run("PendingThenCompleted", func(t *testing.T) {
		e := newEnv(t, nil)
		h := start(e, client(101), e.clock.At(thu, "10:00"))
		e.pp.Approve(h.OrderID)
		e.pp.FailNext("capture", paypaltest.Pending)
		if r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PayPending {
			t.Fatalf("%+v %v", r, err)
		}
		e.clock.Add(2 * time.Minute)
		if n := e.run(e.worker.reconcile); n != 0 {
			t.Fatal("a pending capture was settled")
		}
		e.pp.CompletePending(h.OrderID)
		e.clock.Add(time.Minute)
		if n := e.run(e.worker.reconcile); n != 1 {
			t.Fatal("not settled once PayPal completed it")
		}
		if a, _ := e.store.Appointment(ctx, h.ID); a.Status != tori.StatusConfirmed {
			t.Fatalf("%s", a.Status)
		}
	})
	t.Run("NeverApproved", func(t *testing.T) {
		e := newEnv(t, nil)
		h := start(e, client(101), e.clock.At(thu, "10:00"))
		e.clock.Add(2 * time.Minute)
		e.run(e.worker.reconcile)
		if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 1 {
			t.Fatal("dropped while the buyer may still pay")
		}
		e.clock.Set(h.HoldUntil.Add(orderLife + time.Minute))
		e.run(e.worker.reconcile)
		if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 0 {
			t.Fatal("an abandoned order is watched forever")
		}
		if e.pp.Calls("capture") != 0 {
			t.Fatal("captured an unapproved order")
		}
	})
}

// TestRelayPassedOnWhenHoursBegin: a message written outside messaging
// hours is passed on once, when they begin.
func TestRelayPassedOnWhenHoursBegin(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	opens := e.clock.At(thu, "09:00")
	r := tori.Relay{ID: "r1", Client: client(101), TherapistID: "adi", Text: "Hello after hours", At: opens.Add(-12 * time.Hour)}
	if err := e.store.Enqueue(ctx, tori.QueueRelay, "", r.Encode(), opens); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(opens.Add(-time.Second))
	if n := e.run(e.worker.deliverRelays); n != 0 {
		t.Fatal("passed on before the hours")
	}
	e.clock.Set(opens)
	if n := e.run(e.worker.deliverRelays); n != 1 {
		t.Fatal("not passed on")
	}
	e.run(e.worker.deliverRelays)
	for _, chat := range []int64{9001, 9011} {
		got := e.out.to(chat)
		if len(got) != 1 || !strings.Contains(got[0].Text, "Hello after hours") || got[0].RelayFrom != 101 {
			t.Fatalf("therapist %d got %+v", chat, got)
		}
	}
}

// TestReminderSentOnceWhenTheLeaseLapses: a worker whose queue claim
// lapsed while it was still sending does not collide with the worker that
// claims the item next: the reminder goes out once.
func TestReminderSentOnceWhenTheLeaseLapses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	start := e.clock.At(thu, "10:00")
	a := e.book(client(101), "talk", start)
	e.run(e.worker.sendReminders)
	e.clock.Set(start.Add(-48 * time.Hour))
	// Worker A has claimed the item and is about to send (slowly).
	if _, err := e.store.ClaimDue(ctx, tori.QueueReminders, "adi", e.clock.Now(), 2*time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.store.Claim(ctx, "remsend", reminderMarker(a, 48*time.Hour), 10*time.Minute); !ok {
		t.Fatal("claim")
	}
	e.clock.Add(3 * time.Minute) // A's lease has lapsed; B claims the item
	if n := e.run(e.worker.sendReminders); n != 0 {
		t.Fatal("B sent while A was sending")
	}
	// A finishes.
	if _, err := e.store.MarkOnce(ctx, reminderMarker(a, 48*time.Hour), time.Hour*24*9); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(3 * time.Minute)
	e.run(e.worker.sendReminders)
	if got := e.out.to(101); len(got) != 0 {
		t.Fatalf("a second copy went out: %d", len(got))
	}
}

// TestHoldEndedMessageRetried: the client is told their hold ended even if
// the first attempt to tell them fails.
func TestHoldEndedMessageRetried(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	h, err := e.bookings.Hold(ctx, client(101), "talk", "adi", e.clock.At(thu, "10:00"), 5)
	if err != nil {
		t.Fatal(err)
	}
	fails := 1
	e.out.fail = func(bot.Reply) error {
		if fails > 0 {
			fails--
			return errors.New("telegram is down")
		}
		return nil
	}
	e.clock.Set(h.HoldUntil.Add(time.Second))
	e.run(e.worker.expireHolds)
	if len(e.out.to(101)) != 0 {
		t.Fatal("sent despite the failure")
	}
	e.clock.Add(3 * time.Minute) // the lease lapses
	e.run(e.worker.expireHolds)
	e.clock.Add(3 * time.Minute)
	e.run(e.worker.expireHolds)
	if got := e.out.to(101); len(got) != 1 || !strings.Contains(got[0].Text, "ended at 10:15") {
		t.Fatalf("%s", texts(got))
	}
}

// TestApprovedButNeverBackIsPaidNotEnded: at its end, a hold whose buyer
// approved at PayPal (no return, no webhook) is paid and booked, not ended.
func TestApprovedButNeverBackIsPaidNotEnded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	h, _ := e.bookings.Hold(ctx, client(101), "intake", "adi", e.clock.At(thu, "10:00"), 0)
	h, err := e.bookings.StartPayment(ctx, client(101), h.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.pp.Approve(h.OrderID)
	e.clock.Set(h.HoldUntil.Add(time.Second))
	e.run(e.worker.expireHolds)
	a, _ := e.store.Appointment(ctx, h.ID)
	if a.Status != tori.StatusConfirmed || a.PayState != tori.PayStatePaid {
		t.Fatalf("%s %s", a.Status, a.PayState)
	}
	if got := e.out.to(101); len(got) == 0 || !strings.Contains(got[0].Text, "You're booked.") {
		t.Fatalf("%s", texts(got))
	}
}

// TestPendingThenDeclinedIsSettled: with no webhook, a pending capture that
// PayPal later declines is found by reconciliation: the client is told, the
// hold let go, the order no longer watched.
func TestPendingThenDeclinedIsSettled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	h, _ := e.bookings.Hold(ctx, client(101), "intake", "adi", e.clock.At(thu, "10:00"), 0)
	h, _ = e.bookings.StartPayment(ctx, client(101), h.ID, 0)
	e.pp.Approve(h.OrderID)
	e.pp.FailNext("capture", paypaltest.Pending)
	if r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Outcome != tori.PayPending {
		t.Fatalf("%+v %v", r, err)
	}
	e.pp.DenyPending(h.OrderID)
	e.clock.Add(3 * time.Minute)
	if n := e.run(e.worker.reconcile); n != 1 {
		t.Fatal("not settled")
	}
	a, _ := e.store.Appointment(ctx, h.ID)
	if a.Status != tori.StatusCancelledByClient || a.PayState != tori.PayStateLost {
		t.Fatalf("%s %s", a.Status, a.PayState)
	}
	if got := e.out.to(101); len(got) != 1 || !strings.Contains(got[0].Text, "PayPal did not complete your payment") {
		t.Fatalf("%s", texts(got))
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueOpenPayments, ""); n != 0 {
		t.Fatal("still watched")
	}
}
