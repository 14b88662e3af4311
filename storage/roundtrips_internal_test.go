package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// TestConfirmPaidAndTold: recording a capture writes its index, confirms
// the booking and gives the hold's place among the client's holds back,
// in one round trip on one server (steps in order on a cluster); a second
// call is not fresh. The payment stays among the open payments until
// Told, which takes it out and queues the notices still to send (in Told's
// round trip on one server).
func TestConfirmPaidAndTold(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := payingHold(t, s, 7, 48*time.Hour, now)
	if n, _ := s.Redis.ZCard(ctx, s.clientHoldsKey(7)).Result(); n != 1 {
		t.Fatalf("client's holds before: %d, want 1", n)
	}
	for _, sc := range []*redis.Script{confirmPaidScript, toldScript} { // counted below as on a running server
		if err := sc.Load(ctx, s.Redis).Err(); err != nil {
			t.Fatal(err)
		}
	}
	_, cluster := s.Redis.(*redis.ClusterClient)
	trips := &tripCount{}
	s.Redis.AddHook(trips)
	c := tori.Capture{ID: "CAPTURE-1", Status: "COMPLETED", Amount: a.Price}
	got, fresh, err := s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now)
	if err != nil || !fresh || got.Status != tori.StatusConfirmed || got.CaptureID != c.ID {
		t.Fatalf("confirm paid = %v %+v %v", fresh, got, err)
	}
	if n := trips.n.Swap(0); !cluster && n != 1 {
		t.Fatalf("ConfirmPaid took %d round trips, want 1", n)
	}
	if byCapture, err := s.AppointmentByCapture(ctx, c.ID); err != nil || byCapture.ID != a.ID {
		t.Fatalf("by capture: %+v %v", byCapture, err)
	}
	if n, _ := s.Redis.ZCard(ctx, s.clientHoldsKey(7)).Result(); n != 0 {
		t.Fatalf("client's holds after: %d, want 0", n)
	}
	if _, fresh, err := s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now); err != nil || fresh {
		t.Fatalf("a second call = %v %v, want it not fresh", fresh, err)
	}
	if _, err := s.Redis.ZScore(ctx, s.openPaymentsKey(), a.ID).Result(); err != nil {
		t.Fatalf("the payment left the open payments before it was told: %v", err)
	}
	if claim, err := s.ClaimTelling(ctx, a.ID, "mine", time.Minute); err != nil || claim != tori.TellYours {
		t.Fatalf("claim = %v %v", claim, err)
	}
	trips.n.Store(0)
	notice := tori.Queued{Queue: tori.QueueRelay, Member: `{"notice":"n1"}`, Due: now.Add(time.Minute)}
	if err := s.Told(ctx, a.ID, "mine", notice); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Swap(0); !cluster && n != 1 {
		t.Fatalf("Told took %d round trips, want 1", n)
	}
	if due, err := s.Redis.ZScore(ctx, s.relayQueueKey(), notice.Member).Result(); err != nil || int64(due) != ms(notice.Due) {
		t.Fatalf("the notice told with it: due %v, %v; want it queued for %v", due, err, notice.Due)
	}
	if claim, err := s.ClaimTelling(ctx, a.ID, "other", time.Minute); err != nil || claim != tori.TellDone {
		t.Fatalf("after Told: %v %v, want done", claim, err)
	}
	if _, err := s.Redis.ZScore(ctx, s.openPaymentsKey(), a.ID).Result(); err != redis.Nil {
		t.Fatalf("told, but still among the open payments: %v", err)
	}
}

// TestScriptRoundTripFailures: a command before a script that fails is
// the call's failure; one after it (best effort) is not, also when the
// script first meets NOSCRIPT.
func TestScriptRoundTripFailures(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := payingHold(t, s, 8, 72*time.Hour, now)
	// The client's holds of the wrong type: giving the hold's place back
	// (after the script) fails.
	if err := s.Redis.Set(ctx, s.clientHoldsKey(8), "not a sorted set", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	c := tori.Capture{ID: "CAPTURE-2", Status: "COMPLETED", Amount: a.Price}
	if got, fresh, err := s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now); err != nil || !fresh || got.Status != tori.StatusConfirmed {
		t.Fatalf("confirm paid with its after failing = %v %+v %v, want it confirmed", fresh, got, err)
	}
	// The open payments of the wrong type: attaching an order (its index
	// and its place there go before the script) fails.
	b := tori.Appointment{
		ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
		Client: tori.Client{ID: 9, ChatID: 9}, Start: now.Add(96 * time.Hour), End: now.Add(97 * time.Hour),
		Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute),
	}
	if _, err := s.Hold(ctx, b, 2, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Redis.Set(ctx, s.openPaymentsKey(), "not a sorted set", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachOrder(ctx, b.ID, "tok", tori.Order{ID: "ORDER-3"}, 5, now); err == nil {
		t.Fatal("attach order with its before failing: no error")
	}
}

// payingHold holds a prepaid hour for client, attaches an order and begins
// its capture.
func payingHold(t *testing.T, s *Store, client int64, in time.Duration, now time.Time) tori.Appointment {
	t.Helper()
	ctx := context.Background()
	price := tori.Money{Amount: 35000, Currency: "ILS"}
	a := tori.Appointment{
		ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
		Client: tori.Client{ID: client, ChatID: client}, Start: now.Add(in), End: now.Add(in + time.Hour),
		Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute),
		Price: price, Payment: tori.PayFull, Due: price,
	}
	if _, err := s.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	order := tori.Order{ID: "ORDER-" + a.ID, ApproveURL: "https://paypal.test/a"}
	if _, err := s.AttachOrder(ctx, a.ID, "tok", order, 5, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginCapture(ctx, a.ID, "tok", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestHoldReads: what a hold reads (the therapists' busy times, the
// client's prepayment decision) and the client's name it keeps come in one
// round trip on one server, and answer as BusyAll, Prepay and
// RememberClient do, also right after the server forgot its scripts.
func TestHoldReads(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	start := now.Add(48 * time.Hour)
	a := tori.Appointment{
		ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
		Client: tori.Client{ID: 8}, Start: start, End: start.Add(time.Hour), Buffer: 10 * time.Minute,
		Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute),
	}
	if _, err := s.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	c := tori.Client{ID: 7, Name: "Dana", Username: "dana_k"}
	from, to := start.Add(-24*time.Hour), start.Add(24*time.Hour)
	_, cluster := s.Redis.(*redis.ClusterClient)
	trips := &tripCount{}
	s.Redis.AddHook(trips)
	for _, flush := range []bool{true, false} {
		if flush {
			if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		trips.n.Store(0)
		busy, prepay, err := s.HoldReads(ctx, c, true, []string{"noa", "adi"}, from, to, now)
		if err != nil || prepay != "" || len(busy) != 2 || len(busy[0]) != 0 || len(busy[1]) != 1 ||
			busy[1][0].ID != a.ID || !busy[1][0].End.Equal(a.BlockEnd()) {
			t.Fatalf("flushed=%v: %+v %q %v", flush, busy, prepay, err)
		}
		if n := trips.n.Load(); !cluster && !flush && n != 1 {
			t.Fatalf("HoldReads took %d round trips, want 1", n)
		}
	}
	if id, err := s.ClientByUsername(ctx, "@dana_k"); err != nil || id != 7 {
		t.Fatalf("the client's name was not kept: %v %v", id, err)
	}
	if err := s.SetPrepay(ctx, 7, tori.PrepayRequired); err != nil {
		t.Fatal(err)
	}
	if _, prepay, err := s.HoldReads(ctx, tori.Client{ID: 7}, false, []string{"adi"}, from, to, now); err != nil || prepay != tori.PrepayRequired {
		t.Fatalf("prepay = %q %v, want %q", prepay, err, tori.PrepayRequired)
	}
	if err := s.Redis.Set(ctx, s.profileKey(9), "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.HoldReads(ctx, tori.Client{ID: 9}, false, []string{"adi"}, from, to, now); err == nil {
		t.Fatal("a profile of the wrong type read as no decision")
	}
}

// tripCount counts round trips: a command, or a pipeline, is one.
type tripCount struct{ n atomic.Int64 }

func (c *tripCount) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}

func (c *tripCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}
