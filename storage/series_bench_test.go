package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// BenchmarkSeries: 50 clients at once (and, for comparison, one alone),
// each planning, taking and confirming 52-week series through
// tori.Bookings and the storage layer (go-redis, a pool of 50), against a
// redis-server of its own. Client i books therapist i, each series at its
// own hour of the week, so every one is taken whole (the scripts' full
// paths). It reports the p50 and p99 of a whole series (plan, take,
// confirm) and of its take and confirm, and the commands Redis executes
// and the round trips per series.
//
//	go test -run '^$' -bench Series -benchtime 1000x ./storage/
func BenchmarkSeries(b *testing.B) {
	b.Run("clients=50", func(b *testing.B) { benchSeries(b, 50) })
	b.Run("clients=1", func(b *testing.B) { benchSeries(b, 1) })
}

func benchSeries(b *testing.B, clients int) {
	const weeks = 52
	if b.N >= max(clients, 50)*7*24 {
		b.Fatalf("at most %d series (an hour of the week each, per therapist)", clients*7*24)
	}
	srv := storagetest.StartServer(b)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", srv.Port), PoolSize: clients})
	defer rdb.Close()
	trips := &storagetest.Trips{}
	rdb.AddHook(trips)
	ctx := context.Background()
	p := benchPractice(max(clients, 50), weeks)
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, p.Location)
	bk := &tori.Bookings{Practice: p, Store: storage.New(rdb, "tori:"), Now: func() time.Time { return now }}
	monday := tori.Date{Year: 2026, Month: 11, Day: 30}

	therapists := len(p.Therapists)
	series := func(k int) (whole, steps time.Duration, err error) {
		i, j := k%therapists, k/therapists
		c := tori.Client{ID: int64(100000 + k), ChatID: int64(100000 + k), Name: "Client", Lang: "en"}
		r := tori.SeriesRule{TherapistID: p.Therapists[i].ID, ServiceID: "talk", Client: c,
			First: monday.AddDays(j/24).At(tori.Minute(60*(j%24)), p.Location), Every: 1, Count: weeks}
		begin := time.Now()
		pl, err := bk.PlanSeries(ctx, r)
		if err != nil {
			return 0, 0, err
		}
		if len(pl.Conflicts()) > 0 {
			return 0, 0, fmt.Errorf("series %d: conflicts %v", k, pl.Conflicts())
		}
		taking := time.Now()
		sr, err := bk.TakeSeries(ctx, r, pl.Starts(), 0)
		if err == nil {
			_, err = bk.ConfirmSeries(ctx, c, sr.ID)
		}
		end := time.Now()
		return end.Sub(begin), end.Sub(taking), err
	}
	if _, _, err := series(b.N); err != nil { // scripts loaded; not counted below
		b.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	trips.Reset()

	b.ResetTimer()
	wholes, takes := make([]time.Duration, b.N), make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < b.N; k = int(next.Add(1) - 1) {
				w, s, err := series(k)
				if err != nil {
					failed.Store(err)
					return
				}
				wholes[k], takes[k] = w, s
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}

	cmds, _ := storagetest.CommandStats(b, rdb)
	b.ReportMetric(float64(pct(wholes, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(wholes, 99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(pct(takes, 50).Microseconds())/1000, "take+confirm-p50-ms")
	b.ReportMetric(float64(pct(takes, 99).Microseconds())/1000, "take+confirm-p99-ms")
	b.ReportMetric(float64(cmds)/float64(b.N), "commands/series")
	b.ReportMetric(float64(trips.Reset())/float64(b.N), "round-trips/series")
}

// pct is the q-th percentile of ds.
func pct(ds []time.Duration, q int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*q/100)]
}

// benchPractice has n therapists who work every hour of every day, and a
// talk (50 minutes, 10 after) that clients book up to a year ahead, in
// series of up to weeks.
func benchPractice(n, weeks int) *tori.Practice {
	p := testpractice.New()
	p.Therapists, p.Services = nil, p.Services[:1]
	p.Services[0].TherapistIDs = nil
	var all tori.WeeklyHours
	for d := range all {
		all[d] = []tori.Span{testpractice.Span("00:00", "24:00")}
	}
	for i := range n {
		p.Therapists = append(p.Therapists, tori.Therapist{ID: fmt.Sprintf("t%02d", i), Name: fmt.Sprintf("Therapist %d", i),
			TelegramIDs: []int64{int64(1000 + i)}, Hours: all})
	}
	p.MessagingHours = tori.WeeklyHours{}
	p.Policy.MaxDaysAhead = 366
	p.Series.MaxOccurrences = weeks
	return testpractice.Valid(p)
}
