package storagetest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// What a budget test or a benchmark measures of a Redis of its own
// (Server): the commands it executed, the memory its keys take, the round
// trips a client made.

// CommandStats sums the calls INFO commandstats counts, but a test's own
// (INFO, CONFIG, SCAN, MEMORY) and a new connection's handshake, and
// lists them by command.
func CommandStats(tb testing.TB, rdb *redis.Client) (int, string) {
	tb.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		tb.Fatal(err)
	}
	total := 0
	var parts []string
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		name = strings.TrimPrefix(name, "cmdstat_")
		switch strings.Split(name, "|")[0] {
		case "info", "config", "scan", "memory", "ping", "hello", "client":
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		c, _ := strconv.Atoi(calls)
		total += c
		parts = append(parts, fmt.Sprintf("%s %d", name, c))
	}
	sort.Strings(parts)
	return total, strings.Join(parts, ", ")
}

// KeyBytes is the memory of every key (MEMORY USAGE, all samples).
func KeyBytes(tb testing.TB, rdb *redis.Client) int64 {
	tb.Helper()
	ctx := context.Background()
	var sum int64
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		b, err := rdb.MemoryUsage(ctx, iter.Val(), 0).Result()
		if err != nil && err != redis.Nil {
			tb.Fatal(err)
		}
		sum += b
	}
	if err := iter.Err(); err != nil {
		tb.Fatal(err)
	}
	return sum
}

// Quiet waits until Redis has seen no command for 200 ms, so that the
// counts include everything a step did.
func Quiet(tb testing.TB, rdb *redis.Client) {
	tb.Helper()
	last, since := -1, time.Now()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, _ := CommandStats(tb, rdb)
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 200*time.Millisecond {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling Redis's counters, with a deadline
	}
	tb.Fatal("Redis did not go quiet")
}

// Trips is a go-redis hook that counts round trips: a command, or a
// pipeline, is one; a test's own commands (INFO, CONFIG, SCAN, MEMORY,
// PING) and a new connection's handshake are not counted.
type Trips struct{ n atomic.Int64 }

// Reset returns the round trips counted and starts again from 0.
func (c *Trips) Reset() int { return int(c.n.Swap(0)) }

func (c *Trips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *Trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch cmd.Name() {
		case "info", "config", "scan", "memory", "ping", "hello", "client":
		default:
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *Trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() != "client" && cmds[0].Name() != "hello" {
			c.n.Add(1)
		}
		return next(ctx, cmds)
	}
}
