package tori_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// hiding is a store whose ClientRecord leaves the client's appointments
// out: an erasure's check then passes, and an appointment that blocks is
// met only when it is anonymised, as one that changed after the check.
type hiding struct{ *storage.Store }

func (h hiding) ClientRecord(ctx context.Context, clientID, chat int64) (tori.ClientRecord, error) {
	r, err := h.Store.ClientRecord(ctx, clientID, chat)
	r.Appointments = nil
	return r, err
}

func mustStore(t *testing.T, b *tori.Bookings) *storage.Store {
	t.Helper()
	st, ok := b.Store.(*storage.Store)
	if !ok {
		t.Fatalf("the store is a %T", b.Store)
	}
	return st
}

// erasingUntil is when a hold in the client's name is refused until.
func erasingUntil(t *testing.T, b *tori.Bookings, c tori.Client) time.Time {
	t.Helper()
	_, err := b.Hold(context.Background(), c, "talk", "adi", at(b, tue.AddDays(2), "12:00"), 0)
	var erasing *tori.ErasingError
	if !errors.As(err, &erasing) {
		t.Fatalf("a hold while erasing: %v", err)
	}
	return erasing.Until
}

// TestErasureThatWaitsKeepsItsPromise: an erasure that meets a booking
// which changed after its check erases what it can and waits for the
// rest. While it waits, the time the client is told they can book again
// from is never in the past (the worker moves it on at every look); once
// the session has ended, the worker finishes and sweeps it.
func TestErasureThatWaitsKeepsItsPromise(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	st := mustStore(t, b)
	p := &tori.Privacy{Practice: b.Practice, Store: hiding{st}, Now: b.Now}
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}

	e := mustErase(t, p, dana)
	if e.Done || !e.Waiting || !e.Until.After(c.t) {
		t.Fatalf("an erasure that waits: %+v", e)
	}
	if got, _ := b.Store.Appointment(ctx, a.ID); got.Client.ID != dana.ID {
		t.Fatalf("the upcoming booking was anonymised: %+v", got)
	}

	// The worker looks every minute while the session is ahead; whenever
	// the client tries to book, the time they are told is ahead of them.
	for range 12 {
		c.t = c.t.Add(time.Minute)
		if done, next, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || done || next.After(c.t.Add(time.Minute)) {
			t.Fatalf("the worker's look: %v %v %v", done, next, err)
		}
		if until := erasingUntil(t, b, dana); !until.After(c.t) {
			t.Fatalf("at %s the client is told they can book again from %s", c.t, until)
		}
		if rec, err := st.Erasure(ctx, dana.ID); err != nil || !rec.Until.After(c.t) {
			t.Fatalf("at %s the record promises %s (%v)", c.t, rec.Until, err)
		}
	}

	// The session ends: the worker erases it, then sweeps.
	c.t = a.End.Add(time.Minute)
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || done {
		t.Fatalf("finishing: %v %v", done, err)
	}
	if got, _ := b.Store.Appointment(ctx, a.ID); got.Client.ID != 0 || got.Erased.IsZero() {
		t.Fatalf("not anonymised: %+v", got)
	}
	rec, err := st.Erasure(ctx, dana.ID)
	if err != nil || rec.Phase != tori.ErasureSweep || !rec.Until.After(rec.Due) {
		t.Fatalf("after the erasure: %+v %v", rec, err)
	}
	c.t = rec.Due
	if done, _, err := p.ContinueErasure(ctx, dana.ID, 2*time.Minute); err != nil || !done {
		t.Fatalf("the sweep: %v %v", done, err)
	}
	if c.t.After(rec.Until) {
		t.Fatalf("swept at %s, after the promise %s", c.t, rec.Until)
	}
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), "12:00"), 0); err != nil {
		t.Fatalf("a hold after the erasure: %v", err)
	}
}

// TestEraseWithASettledPaymentStillOpen: a paid booking whose telling is
// not recorded yet stays among the open payments (the worker tells of it
// later); its money is settled, so once its session has ended it does
// not keep the client's data.
func TestEraseWithASettledPaymentStillOpen(t *testing.T) {
	ctx := context.Background()
	b, c, fake, p := withPayPal(t)
	a := mustPaid(t, b, fake, dana, "intake", at(b, tue, "10:00"))
	if n, _, err := mustStore(t, b).QueueStats(ctx, tori.QueueOpenPayments, ""); err != nil || n != 1 {
		t.Fatalf("open payments: %d, %v", n, err)
	}
	c.t = a.End.Add(time.Hour)
	if e := mustErase(t, p, dana); !e.Done || len(e.Blocked) != 0 {
		t.Fatalf("erasure: %+v", e)
	}
	got, err := b.Store.Appointment(ctx, a.ID)
	if err != nil || got.Client != (tori.Client{}) || got.Paid != a.Paid || got.CaptureID != a.CaptureID {
		t.Fatalf("the money record: %+v, %v", got, err)
	}
}

// TestEraseDeletesALapsedOrder: a time held to be paid whose order was
// never approved and has lapsed is deleted by the erasure, and with it
// the order's index: nothing in Redis names the order or the hold.
func TestEraseDeletesALapsedOrder(t *testing.T) {
	ctx := context.Background()
	b, c, _, p := withPayPal(t)
	st := mustStore(t, b)
	h, err := b.Hold(ctx, dana, "intake", "adi", at(b, tue, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if h, err = b.StartPayment(ctx, dana, h.ID, 77); err != nil || h.OrderID == "" {
		t.Fatalf("StartPayment: %+v, %v", h, err)
	}

	// The order lapses, and the worker's reconciliation lets it go.
	c.t = h.HoldUntil.Add(tori.OrderLife + time.Minute)
	claims, err := st.ClaimDue(ctx, tori.QueueOpenPayments, "", c.t, time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claim: %v, %v", claims, err)
	}
	if _, err := st.Ack(ctx, tori.QueueOpenPayments, "", claims[0]); err != nil {
		t.Fatal(err)
	}

	if e := mustErase(t, p, dana); !e.Done {
		t.Fatalf("erasure: %+v", e)
	}
	all := storagetest.AllText(t, st.Redis, st.Prefix)
	for _, s := range []string{h.OrderID, h.ID} {
		if strings.Contains(all, s) {
			t.Errorf("%s is still in Redis:\n%s", s, all)
		}
	}
}
