package storage_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// BenchmarkSlotScript runs the slot-taking script (the therapist's side of
// a hold) with 50 concurrent clients, first through tori's storage layer
// (go-redis, Store.Take, exactly what Hold runs), then through redis-benchmark
// (EVALSHA of the same script, the same keys and arguments), against one
// redis-server of its own, and reports both rates and their ratio. Each
// side takes 50,000 times spread over a wide range, so nearly every call
// takes its time (the script's full path) and few meet a conflict.
//
//	go test -run '^$' -bench SlotScript -benchtime 1x ./storage/
func BenchmarkSlotScript(b *testing.B) {
	const clients, ops = 50, 50000
	const span = int64(1e9) // the range of start times, minutes (redis-benchmark's -r is an int)
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		b.Fatalf("this benchmark compares with redis-benchmark: install it (apt-get install -y redis-tools): %v", err)
	}
	srv := storagetest.StartServer(b)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", srv.Port), PoolSize: clients})
	defer rdb.Close()
	st := storage.New(rdb, "tori:")
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	appt := func(start int64) tori.Appointment {
		t := time.UnixMilli(start).UTC()
		return tori.Appointment{ID: tori.NewAppointmentID("bench"), TherapistID: "bench", ServiceID: "talk",
			Client: tori.Client{ID: 1234567, ChatID: 1234567, Name: "Dana Cohen", Username: "dana", Lang: "en"},
			Start:  t, End: t.Add(50 * time.Minute), Buffer: 10 * time.Minute, Status: tori.StatusHeld,
			HoldToken: tori.RandomToken(16), HoldUntil: now.Add(15 * time.Minute), Price: tori.Money{Amount: 35000, Currency: "ILS"},
			CreatedAt: now, UpdatedAt: now}
	}

	b.ResetTimer()
	for range b.N {
		// tori's storage layer
		var left atomic.Int64
		left.Store(ops)
		var taken, failed atomic.Int64
		var wg sync.WaitGroup
		begin := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					code, err := st.Take(ctx, appt(rand.Int64N(span)*60000), now)
					if err != nil {
						failed.Add(1)
					} else if code == "OK" {
						taken.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		toriRate := float64(ops) / time.Since(begin).Seconds()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d calls failed", failed.Load(), ops)
		}

		// redis-benchmark: the same script, keys and arguments, with the
		// appointment id and start time random in the same ranges.
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		// The two lines added: redis-benchmark cannot compute, so the start
		// is made from minutes and the block's end from its length here.
		lua := "ARGV[2] = string.format('%d', tonumber(ARGV[2]) * 60000)\n" +
			"ARGV[3] = string.format('%d', tonumber(ARGV[2]) + tonumber(ARGV[3]))\n" + storage.HoldLua
		sha, err := rdb.ScriptLoad(ctx, lua).Result()
		if err != nil {
			b.Fatal(err)
		}
		a := appt(0)
		args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port), "-c", strconv.Itoa(clients), "-n", strconv.Itoa(ops),
			"-r", strconv.FormatInt(span, 10), "--csv", "EVALSHA", sha, "5"}
		args = append(args, st.TakeKeys("bench", "bench.__rand_int__")...)
		args = append(args, "bench.__rand_int__", "__rand_int__", strconv.FormatInt((a.End.Sub(a.Start)+a.Buffer).Milliseconds(), 10),
			ms(a.HoldUntil), "1234567", ms(now), "", a.HoldToken, strconv.FormatInt(st.HoldRetention.Milliseconds(), 10))
		for _, v := range storage.Encode(a) {
			args = append(args, fmt.Sprint(v))
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			b.Fatalf("redis-benchmark: %v\n%s", err, out)
		}
		rawRate, err := benchmarkRate(string(out))
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := rdb.ZCard(ctx, st.TakeKeys("bench", "")[0]).Result(); n < ops*9/10 {
			b.Fatalf("redis-benchmark's script took only %d times of %d: it did not run the script's full path", n, ops)
		}
		if taken.Load() < ops*9/10 {
			b.Fatalf("the storage layer took only %d times of %d", taken.Load(), ops)
		}
		b.ReportMetric(toriRate, "tori-takes/s")
		b.ReportMetric(rawRate, "raw-takes/s")
		b.ReportMetric(100*toriRate/rawRate, "%-of-raw")
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// benchmarkRate reads the requests per second from redis-benchmark --csv.
func benchmarkRate(out string) (float64, error) {
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 || len(recs[1]) < 2 {
		return 0, fmt.Errorf("unexpected redis-benchmark output (%v):\n%s", err, out)
	}
	return strconv.ParseFloat(recs[1][1], 64)
}
