package telegram_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestPollingReadsStateBesideTheClaim: a long-polled press of a time reads
// its chat's state in the claim's pipeline, and not again on its own.
func TestPollingReadsStateBesideTheClaim(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	gets := &stateGets{key: "tori:chat:20001"}
	rdb.AddHook(gets)
	l := startLiveOn(t, storage.New(rdb, "tori:"))
	c := l.user(20001, "Client", "en")
	c.say("/start intake").sees("Intake", "Choose a day")
	c.press("Tue 1/12")
	gets.reset()
	c.press("09:00").sees("Please check your booking")
	alone, piped := gets.reset()
	if alone != 0 || piped != 1 {
		t.Fatalf("the time's press read the chat state %d time(s) on its own and %d in a pipeline; want 0 and 1", alone, piped)
	}
}

// stateGets counts the reads of one key: alone, and in pipelines.
type stateGets struct {
	key          string
	alone, piped atomic.Int64
}

func (g *stateGets) reset() (alone, piped int) {
	return int(g.alone.Swap(0)), int(g.piped.Swap(0))
}

func (g *stateGets) isGet(cmd redis.Cmder) bool {
	a := cmd.Args()
	return cmd.Name() == "get" && len(a) == 2 && a[1] == g.key
}

func (g *stateGets) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *stateGets) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if g.isGet(cmd) {
			g.alone.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (g *stateGets) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if g.isGet(cmd) {
				g.piped.Add(1)
			}
		}
		return next(ctx, cmds)
	}
}
