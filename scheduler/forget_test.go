package scheduler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// failCommand fails the first command whose arguments hold every one of
// args, before it reaches Redis: a step that a crash cut short.
type failCommand struct {
	args   []string
	failed atomic.Bool
}

func (f *failCommand) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failCommand) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (f *failCommand) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		var have []string
		for _, a := range c.Args() {
			if s, ok := a.(string); ok {
				have = append(have, s)
			}
		}
		for _, a := range f.args {
			if !slices.Contains(have, a) {
				return next(ctx, c)
			}
		}
		if f.failed.CompareAndSwap(false, true) {
			c.SetErr(errors.New("cut short"))
			return c.Err()
		}
		return next(ctx, c)
	}
}

// idleClient is a client with a @username who only chose a language, and
// the clock a period after that.
func (e *env) idleClient() tori.Client {
	e.t.Helper()
	ctx := context.Background()
	c := tori.Client{ID: 5987134630, ChatID: 5987134630, Name: "Tamsin Quarrow", Username: "tquarrow_42", Lang: "en"}
	if err := e.store.RememberClient(ctx, c, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.SetLanguage(ctx, c.ID, "en", e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	e.run(e.worker.retain) // the first pass, which records who was there
	e.clock.Set(e.clock.Now().AddDate(0, 24, 0).Add(time.Hour))
	return c
}

// TestRetentionFinishesAForgettingCutShort: the retention job forgets an
// idle client in several steps; one cut short after their @username went
// (here Redis failed the last step; a crash is the fault suite's) is
// finished by the next run, though the client was active meanwhile:
// nothing is left of their name or @username, and their activity since
// is kept.
func TestRetentionFinishesAForgettingCutShort(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	c := e.idleClient()
	hook := &failCommand{args: []string{e.store.Prefix + "{c:5987134630}:profile", "idle"}}
	e.store.Redis.AddHook(hook)

	if _, err := e.worker.retain(ctx); err == nil || !hook.failed.Load() {
		t.Fatalf("the pass was not cut short: %v", err)
	}
	if _, err := e.store.ClientByUsername(ctx, c.Username); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("the @username index, gone first: %v", err)
	}

	// Active meanwhile (a language chosen), then the next run.
	e.clock.Add(time.Minute)
	if err := e.store.SetLanguage(ctx, c.ID, "he", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(10 * time.Minute)
	if n := e.run(e.worker.retain); n != 1 {
		t.Fatalf("forgot %d, want the client cut short", n)
	}
	left := traces(t, e, c, "")
	if len(left) != 1 || !strings.HasPrefix(left[0], e.store.Prefix+"privacy:clients: ") {
		t.Fatalf("left of the client: %v (want their activity since)", left)
	}
}

// TestWorkerRetainsAtStart: the retention job runs as the worker starts,
// not only ten minutes later.
func TestWorkerRetainsAtStart(t *testing.T) {
	e := newEnv(t, nil)
	c := e.idleClient()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- e.worker.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(traces(t, e, c, "")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not forgotten within 10 s of the start: %v", traces(t, e, c, ""))
		}
		time.Sleep(20 * time.Millisecond) // polling the worker, with a deadline
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}
