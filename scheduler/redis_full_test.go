package scheduler

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/logtest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestRedisFullWorkerWaits: Redis reaches its maxmemory (OOM) while a hold
// has run out. The running worker's hold job, ticking every second, meets
// the outage at every tick: it says so once, as a warning (no ERROR line),
// and ends nothing. Once memory is freed it says Redis answers again, ends
// the hold and tells the client, once.
func TestRedisFullWorkerWaits(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.StartServer(t, storagetest.Small)
	rdb := srv.Client()
	refused := &refusedClaims{queue: string(tori.QueueHoldExpiry)}
	rdb.AddHook(refused)
	e := newEnvOn(t, nil, storage.New(rdb, "tori:"))
	logs := &logtest.Lines{}
	e.worker.cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	h, err := e.bookings.Hold(ctx, client(501), "talk", "adi", e.clock.At(tori.Date{Year: 2026, Month: 12, Day: 1}, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(e.p.Policy.HoldFor + time.Minute)

	free := srv.Fill()
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan error)
	go func() { stopped <- e.worker.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-stopped })
	until(t, "three ticks of the hold job meet the outage", func() bool { return refused.n.Load() >= 3 })
	if errs := logs.With("level=ERROR"); len(errs) > 0 {
		t.Fatalf("the outage was logged as a fault:\n%s", strings.Join(errs, ""))
	}
	if warns := logs.With("level=WARN", "job=holds"); len(warns) != 1 {
		t.Fatalf("%d warnings from the hold job in %d ticks, want 1:\n%s", len(warns), refused.n.Load(), strings.Join(warns, ""))
	}
	if a, err := e.store.Appointment(ctx, h.ID); err != nil || a.Status != tori.StatusHeld {
		t.Fatalf("while Redis is full the hold is %s, %v", a.Status, err)
	}

	free()
	until(t, "the client is told their hold ended", func() bool { return len(e.out.to(501)) > 0 })
	until(t, "the job says Redis answers again", func() bool { return len(logs.With("level=INFO", "Redis answers again", "job=holds")) == 1 })
	if a, err := e.store.Appointment(ctx, h.ID); err != nil || a.Status != tori.StatusExpired {
		t.Fatalf("after the outage the hold is %s, %v", a.Status, err)
	}
	if n := len(e.out.to(501)); n != 1 {
		t.Fatalf("the client was told %d times", n)
	}
}

// refusedClaims counts the claims of a queue that Redis refused for want
// of memory.
type refusedClaims struct {
	queue string
	n     atomic.Int64
}

func (r *refusedClaims) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *refusedClaims) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err != nil && strings.HasPrefix(cmd.Name(), "eval") && strings.Contains(err.Error(), "OOM") && strings.Contains(cmd.String(), r.queue) {
			r.n.Add(1)
		}
		return err
	}
}

func (r *refusedClaims) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// until polls ok until it holds, or fails the test after 10 seconds.
func until(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
