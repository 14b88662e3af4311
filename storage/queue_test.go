package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestNoticeQueuedTakenOutAndRetaken: notices are queued due a minute
// from now in one call and taken out once sent. One taken back before it
// is due is claimed for a minute (a retry of that call takes it again),
// so that the worker does not claim it meanwhile, and does once that
// minute is over (its taker died); one the worker claimed first cannot be
// taken back.
func TestNoticeQueuedTakenOutAndRetaken(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	due := t0.Add(time.Minute)
	notice := func(m string) tori.Queued { return tori.Queued{Queue: tori.QueueRelay, Member: m, Due: due} }
	sent, late, claimed := notice(`{"notice":"a"}`), notice(`{"notice":"b"}`), notice(`{"notice":"c"}`)
	if err := s.EnqueueAll(ctx, []tori.Queued{sent, late, claimed}); err != nil {
		t.Fatal(err)
	}
	if err := s.Dequeue(ctx, tori.QueueRelay, "", sent.Member); err != nil {
		t.Fatal(err)
	}
	if n, first, err := s.QueueStats(ctx, tori.QueueRelay, ""); err != nil || n != 2 || !first.Equal(due) {
		t.Fatalf("queue: %d, first due %v, %v; want the two not sent, due %v", n, first, err, due)
	}

	// The outbox takes one back 45 s in (a retry of the call takes it again).
	at := t0.Add(45 * time.Second)
	for range 2 {
		taken, err := s.Retake(ctx, []tori.Queued{late}, at, time.Minute)
		if err != nil || !slices.Equal(taken, []bool{true}) {
			t.Fatalf("retake = %v, %v; want it taken", taken, err)
		}
	}
	// At its due time the worker claims only the other.
	claims, err := s.ClaimDue(ctx, tori.QueueRelay, "", due, 2*time.Minute, 10)
	if err != nil || len(claims) != 1 || claims[0].Member != claimed.Member {
		t.Fatalf("the worker claimed %+v, %v; want only %s", claims, err, claimed.Member)
	}
	// Which the outbox can no longer take back.
	taken, err := s.Retake(ctx, []tori.Queued{claimed, sent}, due, time.Minute)
	if err != nil || !slices.Equal(taken, []bool{false, false}) {
		t.Fatalf("retake of one claimed and one gone = %v, %v; want neither", taken, err)
	}
	if ok, err := s.Ack(ctx, tori.QueueRelay, "", claims[0]); err != nil || !ok {
		t.Fatalf("ack = %v, %v", ok, err)
	}

	// The outbox that took one back died: the worker claims it once its claim is over.
	if claims, err := s.ClaimDue(ctx, tori.QueueRelay, "", at.Add(time.Minute), 2*time.Minute, 10); err != nil || len(claims) != 1 || claims[0].Member != late.Member {
		t.Fatalf("after the outbox's minute the worker claimed %+v, %v; want %s", claims, err, late.Member)
	}
	if _, err := s.Retake(ctx, []tori.Queued{late, {Queue: tori.QueueRefunds, Member: "x", Due: due}}, at, time.Minute); tori.ErrorCode(err) != tori.EINTERNAL {
		t.Fatalf("retake across queues = %v, want EINTERNAL", err)
	}
}
