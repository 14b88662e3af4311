//go:build faults

package faults_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
)

// seriesRace books series of standing sessions for the practice beside
// the bots' traffic: takers goroutines, each with its own connections to
// the world's Redis, book one series (weekly or every other week, 2 to 6
// weeks of any service, the first at one of starts) at every every-th
// attempt of the bots' (pace), at once, as the practice does, so that
// they race the clients' single bookings and series throughout.
type seriesRace struct {
	every                     int64
	done                      atomic.Int64
	tick                      chan struct{}
	wg                        sync.WaitGroup
	tried, taken, weeks, lost atomic.Int64
	mu                        sync.Mutex
	errs                      []string
}

func (w *world) raceSeries(takers int, every int64, starts []time.Time) *seriesRace {
	sr := &seriesRace{every: every, tick: make(chan struct{}, 1024)}
	p := faultPractice(w.t)
	var next atomic.Int64
	for range takers {
		b := &tori.Bookings{Practice: p, Store: storage.New(w.redis.Client(), "tori:")}
		sr.wg.Add(1)
		go func() {
			defer sr.wg.Done()
			for range sr.tick {
				id := 7000 + next.Add(1)
				sr.attempt(b, tori.Client{ID: id, ChatID: id, Name: "Series client", Lang: "en"}, starts[rand.IntN(len(starts))])
			}
		}()
	}
	return sr
}

// pace counts one attempt of the bots' and, every every-th, lets a
// series attempt go.
func (sr *seriesRace) pace() {
	if sr.done.Add(1)%sr.every == 0 {
		sr.tick <- struct{}{}
	}
}

// attempt plans a series for c from first and books it for the
// practice: a week in conflict at its nearest free time, or skipped; one
// attempt in three at the planned times as they are, which the step
// refuses when any is taken.
func (sr *seriesRace) attempt(b *tori.Bookings, c tori.Client, first time.Time) {
	ctx := context.Background()
	r := tori.SeriesRule{TherapistID: []string{"adi", "noa"}[rand.IntN(2)], ServiceID: []string{"short", "talk", "long"}[rand.IntN(3)],
		Client: c, First: first, Every: 1 + rand.IntN(2), Count: 2 + rand.IntN(5), ByPractice: true, Anyway: true, PayAtSession: true}
	sr.tried.Add(1)
	pl, err := b.PlanSeries(ctx, r)
	var s tori.Series
	if err == nil {
		starts := pl.Starts()
		if rand.IntN(3) == 0 {
			for i, o := range pl.Occurrences {
				starts[i] = o.Start
			}
		}
		s, err = b.TakeSeries(ctx, r, starts, 0)
	}

	switch tori.ErrorCode(err) {
	case "":
		sr.taken.Add(1)
		sr.weeks.Add(int64(len(s.Taken)))
	case tori.ECONFLICT, tori.EINVALID: // taken since the plan; or every week skipped
		sr.lost.Add(1)
	default:
		sr.mu.Lock()
		sr.errs = append(sr.errs, err.Error())
		sr.mu.Unlock()
	}
}

// stop lets the takers finish the attempts under way and waits for them.
func (sr *seriesRace) stop() {
	close(sr.tick)
	sr.wg.Wait()
}

// check reports what the takers did (once stopped); it fails the test
// when an attempt failed otherwise than by a conflict, or when the weeks
// of series booked in Redis are not those the takers booked and the
// clients were told of in the chat (chat). It returns the weeks booked.
func (sr *seriesRace) check(t testing.TB, as []tori.Appointment, chat int) (weeks int) {
	t.Helper()
	for _, a := range as {
		if a.Series != "" && a.Status == tori.StatusConfirmed {
			weeks++
		}
	}
	t.Logf("series for the practice: %d attempts, %d booked (%d weeks), %d refused", sr.tried.Load(), sr.taken.Load(), sr.weeks.Load(), sr.lost.Load())
	for _, e := range sr.errs {
		t.Errorf("a series failed: %s", e)
	}
	if int64(weeks) != sr.weeks.Load()+int64(chat) {
		t.Errorf("Redis has %d weeks of series booked; the practice booked %d and clients were told of %d", weeks, sr.weeks.Load(), chat)
	}
	if sr.taken.Load() == 0 || sr.lost.Load() == 0 {
		t.Errorf("the series did not race: %d taken, %d refused", sr.taken.Load(), sr.lost.Load())
	}
	return weeks
}

// faultPractice is testdata/practice.yaml's practice, for the steps the
// suite takes in its own process.
func faultPractice(t testing.TB) *tori.Practice {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jerusalem")
	if err != nil {
		t.Fatal(err)
	}
	span, _ := tori.ParseMinute("08:00")
	end, _ := tori.ParseMinute("20:00")
	var all tori.WeeklyHours
	for d := range all {
		all[d] = []tori.Span{{Start: span, End: end}}
	}
	ils := func(n int64) tori.Money { return tori.Money{Amount: n, Currency: "ILS"} }
	pol := tori.DefaultPolicy()
	pol.MinNotice, pol.SlotStep = time.Hour, 10*time.Minute
	p := &tori.Practice{Name: "Fault Practice", Location: loc, Language: "en", Address: "1 Herzl St, Tel Aviv",
		Therapists: []tori.Therapist{
			{ID: "adi", Name: "Adi Levi", TelegramIDs: []int64{9001}, Hours: all},
			{ID: "noa", Name: "Noa Cohen", TelegramIDs: []int64{9002}, Hours: all},
		},
		Services: []tori.Service{
			{ID: "short", Names: map[string]string{"en": "Short session"}, Duration: 30 * time.Minute, Price: ils(20000)},
			{ID: "talk", Names: map[string]string{"en": "Talk session"}, Duration: 50 * time.Minute, BufferAfter: 10 * time.Minute, Price: ils(35050), Payment: tori.PayFull},
			{ID: "long", Names: map[string]string{"en": "Long session"}, Duration: 90 * time.Minute, Price: ils(60000), Payment: tori.PayDeposit, DepositPercent: 30},
		},
		Policy: pol,
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}
