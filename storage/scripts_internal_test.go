package storage

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

func testStore(t *testing.T) *Store {
	t.Helper()
	rdb, err := Connect(context.Background(), testURL())
	if err != nil {
		t.Fatalf("tests need a Redis server: %v", err)
	}
	prefix := "test:" + tori.RandomToken(8) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return New(rdb, prefix)
}

// TestScriptsIdempotent runs every writing script a second time with the
// same arguments, as go-redis does when a reply is lost, and expects the
// same answer and the same state.
func TestScriptsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	start := now.Add(48 * time.Hour)
	mk := func(moves string, offset time.Duration) tori.Appointment {
		return tori.Appointment{
			ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
			Client: tori.Client{ID: 7}, Start: start.Add(offset), End: start.Add(offset + time.Hour),
			Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute), Moves: moves,
		}
	}
	twice := func(name string, sc *redis.Script, keys []string, args ...any) {
		t.Helper()
		for i := range 2 {
			res, err := sc.Run(ctx, s.Redis, keys, args...).StringSlice()
			if err != nil || (res[0] != "OK" && !(i == 1 && res[0] == "DONE")) {
				t.Fatalf("%s run %d: %v %v", name, i+1, res, err)
			}
		}
	}
	holdArgs := func(a tori.Appointment) ([]string, []any) {
		keys := []string{s.schedKey("adi"), s.spanKey("adi"), s.maxSpanKey("adi"), s.appointmentKey("adi", a.ID), s.holdExpiryKey("adi")}
		args := append([]any{a.ID, ms(a.Start), ms(a.BlockEnd()), ms(a.HoldUntil), 7, ms(now), a.Moves, a.HoldToken, int64(1000)}, encode(a)...)
		return keys, args
	}
	a := mk("", 0)
	twice("reserve", reserveScript, []string{s.clientIndexKey(7), s.clientHoldsKey(7), s.eraseKey(7)}, a.ID, ms(a.Start), ms(a.HoldUntil), ms(now), 1)
	k, args := holdArgs(a)
	twice("hold", holdScript, k, args...)
	later := now.Add(20 * time.Minute) // the hold has run out; its time is still free
	twice("renew", renewScript, []string{s.appointmentKey("adi", a.ID), s.schedKey("adi"), s.spanKey("adi"), s.maxSpanKey("adi"), s.holdExpiryKey("adi")}, a.ID, "tok", ms(later), ms(later.Add(15*time.Minute)), int64(1000))
	twice("confirm", confirmScript, []string{s.appointmentKey("adi", a.ID), s.spanKey("adi"), s.holdExpiryKey("adi"), s.remindKey("adi"), s.keptKey("adi")}, a.ID, "tok", ms(later))
	h := mk(a.ID, 30*time.Minute)
	h.HoldUntil = later.Add(15 * time.Minute)
	k, args = holdArgs(h)
	args[5] = ms(later)
	twice("hold move", holdScript, k, args...)
	twice("move", moveScript, []string{s.appointmentKey("adi", h.ID), s.appointmentKey("adi", a.ID), s.schedKey("adi"), s.spanKey("adi"), s.holdExpiryKey("adi"), s.remindKey("adi")}, h.ID, "tok", ms(later), a.ID, int64(0))
	r := mk("", 5*time.Hour)
	r.HoldUntil = later.Add(15 * time.Minute)
	k, args = holdArgs(r)
	args[5] = ms(later)
	twice("hold 2", holdScript, k, args...)
	if _, cluster := s.Redis.(*redis.ClusterClient); !cluster { // one server's script: its keys span two hash tags
		both := mk("", 7*time.Hour)
		both.HoldUntil = later.Add(15 * time.Minute)
		k, args = holdArgs(both)
		args[5] = ms(later)
		twice("reserve and hold", reserveHoldScript, append(append([]string{s.clientIndexKey(7), s.clientHoldsKey(7)}, k...), s.eraseKey(7)),
			append([]any{both.ID, ms(both.Start), ms(both.HoldUntil), ms(later), 3}, args...)...)
		twice("release it", releaseScript, []string{s.appointmentKey("adi", both.ID), s.schedKey("adi"), s.spanKey("adi"), s.holdExpiryKey("adi")}, both.ID, "tok", ms(later), int64(1000))
	}
	twice("release", releaseScript, []string{s.appointmentKey("adi", r.ID), s.schedKey("adi"), s.spanKey("adi"), s.holdExpiryKey("adi")}, r.ID, "tok", ms(later), int64(1000))
	twice("cancel", cancelWithRefundScript, []string{s.appointmentKey("adi", a.ID), s.schedKey("adi"), s.spanKey("adi"), s.remindKey("adi")}, a.ID, string(tori.StatusCancelledByClient), ms(later), 0, "0")

	got, err := s.Appointment(ctx, a.ID)
	if err != nil || got.Status != tori.StatusCancelledByClient || got.Seq != 1 || !got.Start.Equal(h.Start) {
		t.Fatalf("after the scripts: %+v %v", got, err)
	}
	if n, _ := s.Redis.ZCard(ctx, s.schedKey("adi")).Result(); n != 0 {
		t.Fatalf("sched has %d members, want 0", n)
	}
}

func testURL() string {
	// The same rule as storagetest.URL, which this package cannot import.
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}
