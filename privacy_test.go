package tori_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
)

// withPayPal is mustBookings with a fake PayPal and the privacy use cases.
func withPayPal(t *testing.T) (*tori.Bookings, *clock, *paypaltest.Server, *tori.Privacy) {
	t.Helper()
	b, c := mustBookings(t)
	fake := mustPayPal(t, b)
	return b, c, fake, mustPrivacy(t, b)
}

// mustPrivacy is the privacy use cases over b's store.
func mustPrivacy(t *testing.T, b *tori.Bookings) *tori.Privacy {
	t.Helper()
	st, ok := b.Store.(tori.PrivacyStore)
	if !ok {
		t.Fatal("the store keeps no privacy")
	}
	return &tori.Privacy{Practice: b.Practice, Store: st, Now: b.Now}
}

// toErasing is the step past an erasure's check, as Erase takes it.
func toErasing(now time.Time) tori.ErasureStep {
	return tori.ErasureStep{From: tori.ErasureChecking, To: tori.ErasureErasing, Due: now.Add(time.Minute),
		Until: now.Add(tori.SweepAfter + tori.ErasureSlack), Tell: "en"}
}

func mustErase(t *testing.T, p *tori.Privacy, c tori.Client) tori.Erasure {
	t.Helper()
	e, err := p.Erase(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// blockedBy checks that an erasure was refused for exactly one reason,
// and that nothing was erased meanwhile.
func blockedBy(t *testing.T, p *tori.Privacy, b *tori.Bookings, c tori.Client, want tori.BlockReason) tori.ErasureBlock {
	t.Helper()
	before, err := p.Export(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	e := mustErase(t, p, c)
	if e.Done || len(e.Blocked) != 1 || e.Blocked[0].Reason != want {
		t.Fatalf("erasure = %+v, want blocked by %s", e, want)
	}
	after, err := p.Export(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Appointments) != len(before.Appointments) || after.Client.Name != before.Client.Name {
		t.Fatalf("a refused erasure changed the record: %+v -> %+v", before, after)
	}
	if _, err := p.Store.Erasure(context.Background(), c.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("a refused erasure left its record: %v", err)
	}
	return e.Blocked[0]
}

// paidAndTold is a paid booking whose client and therapist were told (as
// the bot does), so that it has left the open payments.
func paidAndTold(t *testing.T, b *tori.Bookings, fake *paypaltest.Server, c tori.Client, svc string, start time.Time) tori.Appointment {
	t.Helper()
	h := pay(t, b, fake, c, svc, start)
	r, err := b.CompletePayment(context.Background(), h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow {
		t.Fatalf("CompletePayment = %+v, %v", r, err)
	}
	b.PaymentTold(context.Background(), r, true)
	return r.Appointment
}

// TestEraseRefusedWhileSomethingIsUnderWay: an upcoming booking, a hold,
// a capture in flight, an order the buyer may still pay and a refund on
// its way each keep the data; once settled, it is erased.
func TestEraseRefusedWhileSomethingIsUnderWay(t *testing.T) {
	ctx := context.Background()

	t.Run("Upcoming", func(t *testing.T) {
		b, _ := mustBookings(t)
		p := mustPrivacy(t, b)
		h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
		a, err := b.Confirm(ctx, dana, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := blockedBy(t, p, b, dana, tori.BlockUpcoming); got.Appointment.ID != a.ID {
			t.Fatalf("blocked by %s", got.Appointment.ID)
		}
		// The refused erasure let go of its hold on new holds.
		if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "12:00"), 0); err != nil {
			t.Fatalf("hold after a refused erasure: %v", err)
		}
	})
	t.Run("Holding", func(t *testing.T) {
		b, _ := mustBookings(t)
		p := mustPrivacy(t, b)
		h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
		if got := blockedBy(t, p, b, dana, tori.BlockHolding); !got.Until.Equal(h.HoldUntil.Truncate(time.Millisecond)) {
			t.Fatalf("until %s, want the hold's end %s", got.Until, h.HoldUntil)
		}
	})
	t.Run("CaptureInFlight", func(t *testing.T) {
		b, _, fake, p := withPayPal(t)
		h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		fake.FailNext("capture", paypaltest.Pending)
		if r, err := b.CompletePayment(ctx, h.OrderID, nil); err != nil || r.Appointment.PayState != tori.PayStatePending {
			t.Fatalf("capture: %+v, %v", r, err)
		}
		blockedBy(t, p, b, dana, tori.BlockPaying)
	})
	t.Run("OrderNotPaidYet", func(t *testing.T) {
		b, c, fake, p := withPayPal(t)
		h := pay(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		c.t = h.HoldUntil.Add(time.Minute) // the hold ran out; PayPal may still take the money
		if got := blockedBy(t, p, b, dana, tori.BlockPaying); !got.Until.Equal(h.HoldUntil.Add(tori.OrderLife)) {
			t.Fatalf("until %s", got.Until)
		}
	})
	t.Run("RefundOnItsWay", func(t *testing.T) {
		b, c, fake, p := withPayPal(t)
		a := paidAndTold(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		fake.FailNext("refund", paypaltest.Refused)
		if a, _, _, err := b.Cancel(ctx, dana, a.ID, b.TermsNow(a).Tier.Percent); err != nil || a.RefundState != tori.RefundPending {
			t.Fatalf("cancel: %+v, %v", a, err)
		}
		blockedBy(t, p, b, dana, tori.BlockRefunding)
		c.t = c.t.Add(tori.RefundBackoff(1)) // the worker's retry, after its pause
		if r, err := b.IssueRefund(ctx, a.ID); err != nil || r.RefundState != tori.RefundRefunded {
			t.Fatalf("refund: %+v, %v", r, err)
		}
		c.t = c.t.Add(time.Minute)
		if e := mustErase(t, p, dana); !e.Done || len(e.Therapists) != 1 || e.Therapists[0] != "adi" {
			t.Fatalf("erasure after the refund: %+v", e)
		}
		got, err := b.Store.Appointment(ctx, a.ID)
		if err != nil || got.Client != (tori.Client{}) || got.Paid != ils(35050) || got.Refunded != ils(17525) || got.CaptureID == "" || got.RefundID == "" || got.Erased.IsZero() {
			t.Fatalf("the money record: %+v, %v", got, err)
		}
		if found, err := b.Store.AppointmentByCapture(ctx, got.CaptureID); err != nil || found.ID != a.ID {
			t.Fatalf("the money record by its capture: %v", err)
		}
	})
}

// TestEraseWithARefundHandedOver: a refund handed to the practice (less
// than due came back at PayPal another way, or tori used its attempts)
// stays pending for good; it does not keep the data, and the anonymised
// money record keeps the capture and the amounts. One tori still retries
// does.
func TestEraseWithARefundHandedOver(t *testing.T) {
	ctx := context.Background()
	refused := func(t *testing.T, attempts int) (*tori.Bookings, *clock, *tori.Privacy, tori.Appointment) {
		t.Helper()
		b, c, fake, p := withPayPal(t)
		b.Practice.Worker.RefundAttempts = attempts
		a := paidAndTold(t, b, fake, dana, "intake", at(b, tue, "10:00"))
		fake.FailNext("refund", paypaltest.Refused)
		a, _, _, err := b.Cancel(ctx, dana, a.ID, b.TermsNow(a).Tier.Percent)
		if err != nil || a.RefundState != tori.RefundPending || a.RefundTries != 1 {
			t.Fatalf("cancel: %+v, %v", a, err)
		}
		c.t = c.t.Add(time.Minute)
		return b, c, p, a
	}
	erased := func(t *testing.T, b *tori.Bookings, p *tori.Privacy, a tori.Appointment, refunded tori.Money) {
		t.Helper()
		if e := mustErase(t, p, dana); !e.Done || len(e.Blocked) != 0 {
			t.Fatalf("erasure: %+v", e)
		}
		got, err := b.Store.Appointment(ctx, a.ID)
		if err != nil || got.Client != (tori.Client{}) || got.Erased.IsZero() || got.Paid != ils(35050) || got.RefundDue != a.RefundDue ||
			got.Refunded != refunded || got.CaptureID != a.CaptureID || got.RefundState != tori.RefundPending {
			t.Fatalf("the money record: %+v, %v", got, err)
		}
		if r, err := p.Record(ctx, dana); err != nil || len(r.Appointments) != 0 || r.Client.Name != "" {
			t.Fatalf("left of the client: %+v, %v", r, err)
		}
	}

	t.Run("ByHand", func(t *testing.T) {
		b, _, p, a := refused(t, 6)
		if _, out, err := b.RefundSettled(ctx, a.CaptureID, tori.Refund{ID: "R-PART", Amount: ils(1000)}); err != nil || out != tori.RefundShort {
			t.Fatalf("a part refunded at PayPal: %s, %v", out, err)
		}
		erased(t, b, p, a, ils(1000))
	})
	t.Run("AttemptsUsed", func(t *testing.T) {
		b, _, p, a := refused(t, 1)
		erased(t, b, p, a, ils(0))
	})
	t.Run("StillRetried", func(t *testing.T) {
		b, _, p, _ := refused(t, 2)
		blockedBy(t, p, b, dana, tori.BlockRefunding)
	})
}

// TestErasureHoldsOffNewHolds: while an erasure is under way no hold is
// made in the client's name (a waitlist offer included); once the worker
// has swept, the client may book again as someone new.
func TestErasureHoldsOffNewHolds(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	p := mustPrivacy(t, b)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	if _, err := b.Confirm(ctx, dana, h.ID); err != nil {
		t.Fatal(err)
	}
	c.t = at(b, tue, "11:00") // the session is over
	e := mustErase(t, p, dana)
	if !e.Done || !e.Until.Equal(c.t.Add(tori.SweepAfter+tori.ErasureSlack)) {
		t.Fatalf("erasure %+v", e)
	}
	wed := tue.AddDays(1)
	_, err := b.Hold(ctx, dana, "talk", "adi", at(b, wed, "12:00"), 0)
	var erasing *tori.ErasingError
	if !errors.As(err, &erasing) || !erasing.Until.Equal(e.Until) || tori.ErrorCode(err) != tori.ELIMIT {
		t.Fatalf("hold while erasing: %v", err)
	}
	if again := mustErase(t, p, dana); !again.Done || !again.Again {
		t.Fatalf("a second request: %+v", again)
	}

	// The worker's sweep, once it is due, ends it.
	if done, next, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || done || next.IsZero() {
		t.Fatalf("continue before it is due: %v %v %v", done, next, err)
	}
	c.t = c.t.Add(tori.SweepAfter)
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || !done {
		t.Fatalf("continue: %v %v", done, err)
	}
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, wed, "12:00"), 0); err != nil {
		t.Fatalf("hold after the erasure: %v", err)
	}
}

// TestErasureFinishedByTheWorker: a process that died after the check
// (the point of no return) leaves the erasure to the worker, who finishes
// it; one that died during the check leaves nothing erased, and the
// worker lets the client book again.
func TestErasureFinishedByTheWorker(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	p := mustPrivacy(t, b)
	if _, err := b.JoinWaitlist(ctx, dana, "talk", "adi", tue, tue, tori.AnyTime); err != nil {
		t.Fatal(err)
	}
	// Died during the check.
	if _, err := p.Store.BeginErasure(ctx, dana, c.t.Add(time.Minute), c.t); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(3 * time.Minute)
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || !done {
		t.Fatalf("a stale check: %v %v", done, err)
	}
	if es, _ := b.Waitlist(ctx, dana); len(es) != 1 {
		t.Fatalf("an unfinished check erased the waitlist: %v", es)
	}

	// Died after it.
	if _, err := p.Store.BeginErasure(ctx, dana, c.t.Add(time.Minute), c.t); err != nil {
		t.Fatal(err)
	}
	if err := p.Store.AdvanceErasure(ctx, dana.ID, toErasing(c.t)); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Minute)
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || done {
		t.Fatalf("finishing: %v %v", done, err)
	}
	if es, _ := b.Waitlist(ctx, dana); len(es) != 0 {
		t.Fatalf("the worker left the waitlist: %v", es)
	}
	c.t = c.t.Add(tori.SweepAfter)
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || !done {
		t.Fatalf("sweep: %v %v", done, err)
	}
	if _, err := p.Store.Erasure(ctx, dana.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("record left: %v", err)
	}
}

// TestEraseRacesAHold: an erasure and a hold in the client's name (the
// worker's waitlist offer) at the same moment: either the erasure is
// refused because of the hold, or the hold is refused; never a hold left
// in the name of an erased client.
func TestEraseRacesAHold(t *testing.T) {
	ctx := context.Background()
	for i := range 20 {
		b, c := mustBookings(t)
		p := mustPrivacy(t, b)
		var wg sync.WaitGroup
		var e tori.Erasure
		var eerr, herr error
		wg.Add(2)
		go func() { defer wg.Done(); e, eerr = p.Erase(ctx, dana) }()
		go func() {
			defer wg.Done()
			_, herr = b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
		}()
		wg.Wait()
		if eerr != nil {
			t.Fatal(eerr)
		}
		held, err := b.Store.ClientAppointments(ctx, dana.ID, c.t.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Done && herr == nil:
			t.Fatalf("run %d: erased, and a hold was made: %v", i, held)
		case e.Done && len(held) != 0:
			t.Fatalf("run %d: erased, and the client still has %v", i, held)
		case !e.Done && (herr != nil || len(held) != 1):
			t.Fatalf("run %d: refused (%+v), yet the hold failed: %v", i, e.Blocked, herr)
		}
	}
}

// TestExportHasEverythingAndOnlyTheirs: the export lists the client's
// appointments with the practice's note, strikes and waitlist entries,
// and nothing of another client; notes can be withheld.
func TestExportHasEverythingAndOnlyTheirs(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	p := mustPrivacy(t, b)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	a, _ := b.Confirm(ctx, dana, h.ID)
	o, _ := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "12:00"), 0)
	b.Confirm(ctx, omer, o.ID)
	if _, err := b.SetNote(ctx, a.ID, "anxious about flying"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinWaitlist(ctx, dana, "talk", "", tue.AddDays(1), tue.AddDays(2), tori.AnyTime); err != nil {
		t.Fatal(err)
	}
	c.t = at(b, tue, "10:20")
	if _, err := b.MarkNoShow(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	r, err := p.Export(ctx, dana)
	if err != nil {
		t.Fatal(err)
	}
	f := p.ExportFile(r, "en")
	if len(f.Bookings) != 1 || f.Bookings[0].Note != "anxious about flying" || f.Bookings[0].Status != "no_show" ||
		len(f.Strikes) != 1 || len(f.Waitlist) != 1 || f.Waitlist[0].Therapist != "any" || f.You.Name != "Dana" {
		t.Fatalf("export %+v", f)
	}
	b.Practice.Privacy.WithholdNotes = true
	if f := p.ExportFile(r, "en"); f.Bookings[0].Note != "" || f.NotesWithheld != 1 {
		t.Fatalf("notes withheld: %+v", f)
	}
}

var _ tori.PrivacyStore = (*storage.Store)(nil)

// TestAnonymisingChecksAgain: an erasure past its check that meets an
// appointment which now blocks it (here, one booked behind the check's
// back) leaves that appointment whole and waits for it.
func TestAnonymisingChecksAgain(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	p := mustPrivacy(t, b)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Store.BeginErasure(ctx, dana, c.t.Add(time.Minute), c.t); err != nil {
		t.Fatal(err)
	}
	if err := p.Store.AdvanceErasure(ctx, dana.ID, toErasing(c.t)); err != nil {
		t.Fatal(err)
	}
	left, err := p.Store.EraseClient(ctx, dana.ID, dana.ChatID, b.Practice.Worker.RefundAttempts, c.t)
	if err != nil || len(left) != 1 || left[0] != a.ID {
		t.Fatalf("left %v, %v", left, err)
	}
	if got, _ := b.Store.Appointment(ctx, a.ID); got.Client.ID != dana.ID || got.Client.Name != "Dana" {
		t.Fatalf("an upcoming booking was anonymised: %+v", got)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 1 {
		t.Fatalf("the client no longer sees their booking: %v", up)
	}
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || done {
		t.Fatalf("the worker finished an erasure that waits: %v %v", done, err)
	}
}
