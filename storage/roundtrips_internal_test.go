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
// in one round trip on one server (steps in order on a cluster), also
// right after the server forgot its scripts; a second call is not fresh.
// The payment stays among the open payments until Told, which takes it
// out (in Told's round trip on one server).
func TestConfirmPaidAndTold(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := tori.Appointment{
		ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
		Client: tori.Client{ID: 7, ChatID: 7}, Start: now.Add(48 * time.Hour), End: now.Add(49 * time.Hour),
		Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute),
		Price: tori.Money{Amount: 35000, Currency: "ILS"}, Payment: tori.PayFull, Due: tori.Money{Amount: 35000, Currency: "ILS"},
	}
	if _, err := s.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachOrder(ctx, a.ID, "tok", tori.Order{ID: "ORDER-1", ApproveURL: "https://paypal.test/a"}, 5, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginCapture(ctx, a.ID, "tok", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Redis.ZCard(ctx, s.clientHoldsKey(7)).Result(); n != 1 {
		t.Fatalf("client's holds before: %d, want 1", n)
	}
	if err := s.Redis.ScriptFlush(ctx).Err(); err != nil { // as after a restart: NOSCRIPT, loaded, run again
		t.Fatal(err)
	}
	c := tori.Capture{ID: "CAPTURE-1", Status: "COMPLETED", Amount: a.Price}
	got, fresh, err := s.ConfirmPaid(ctx, a, c, now)
	if err != nil || !fresh || got.Status != tori.StatusConfirmed || got.CaptureID != c.ID {
		t.Fatalf("confirm paid = %v %+v %v", fresh, got, err)
	}
	if byCapture, err := s.AppointmentByCapture(ctx, c.ID); err != nil || byCapture.ID != a.ID {
		t.Fatalf("by capture: %+v %v", byCapture, err)
	}
	if n, _ := s.Redis.ZCard(ctx, s.clientHoldsKey(7)).Result(); n != 0 {
		t.Fatalf("client's holds after: %d, want 0", n)
	}
	_, cluster := s.Redis.(*redis.ClusterClient)
	trips := &tripCount{}
	s.Redis.AddHook(trips)
	if _, fresh, err := s.ConfirmPaid(ctx, a, c, now); err != nil || fresh {
		t.Fatalf("a second call = %v %v, want it not fresh", fresh, err)
	}
	if n := trips.n.Swap(0); !cluster && n != 1 {
		t.Fatalf("ConfirmPaid took %d round trips, want 1", n)
	}
	if _, err := s.Redis.ZScore(ctx, s.openPaymentsKey(), a.ID).Result(); err != nil {
		t.Fatalf("the payment left the open payments before it was told: %v", err)
	}
	if claim, err := s.ClaimTelling(ctx, a.ID, "mine", time.Minute); err != nil || claim != tori.TellYours {
		t.Fatalf("claim = %v %v", claim, err)
	}
	if err := toldScript.Load(ctx, s.Redis).Err(); err != nil { // counted below as on a running server
		t.Fatal(err)
	}
	trips.n.Store(0)
	if err := s.Told(ctx, a.ID, "mine"); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Swap(0); !cluster && n != 1 {
		t.Fatalf("Told took %d round trips, want 1", n)
	}
	if claim, err := s.ClaimTelling(ctx, a.ID, "other", time.Minute); err != nil || claim != tori.TellDone {
		t.Fatalf("after Told: %v %v, want done", claim, err)
	}
	if _, err := s.Redis.ZScore(ctx, s.openPaymentsKey(), a.ID).Result(); err != redis.Nil {
		t.Fatalf("told, but still among the open payments: %v", err)
	}
}

// TestHoldReads: what a hold reads (the therapists' busy times, the
// client's prepayment decision) and the client's name it keeps come in one
// round trip on one server, also right after the server forgot its
// scripts, and answer as BusyAll, Prepay and RememberClient do.
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
