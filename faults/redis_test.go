//go:build faults

package faults_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestRedisRestart: Redis (append-only, fsync always) is killed and, after
// 5 s, started again in the middle of traffic. No booking a client was told of is lost;
// a client whose tap met the outage is told to try again in a moment (or
// Telegram delivers the update again once Redis is back); the bot and the
// worker recover by themselves and every client's bookings are made.
func TestRedisRestart(t *testing.T) {
	w := newWorld(t, storagetest.AOF)
	bots := []*proc{w.bot("bot1"), w.bot("bot2")}
	worker := w.worker("worker")
	const clients, each = 30, 6

	type booking struct {
		client int64
		start  int64 // unix seconds
	}
	var told sync.Map // booking -> true
	var unavailable, retries atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := w.client(int64(7000 + i))
			m, err := c.say("/start")
			for err != nil {
				select {
				case <-stop:
					return
				default:
				}
				retries.Add(1)
				time.Sleep(500 * time.Millisecond)
				m, err = c.say("/start")
			}
			for k := range each {
				// Each client its own times: no two clients want the same.
				j := (i/10)*each + k
				thr := []string{"adi", "noa"}[(i/5)%2]
				start := day(2+i%5, fmt.Sprintf("%02d:%02d", 8+j*30/60, j*30%60))
				for {
					select {
					case <-stop:
						return
					default:
					}
					if c.book(&m, "short", thr, start, &unavailable) {
						told.Store(booking{c.u.ID, start.Unix()}, true)
						break
					}
					retries.Add(1)
					time.Sleep(500 * time.Millisecond) // the client tries again in a moment
					m, _ = c.last()
				}
			}
		}()
	}
	time.Sleep(3 * time.Second)
	bookedBefore := 0
	told.Range(func(any, any) bool { bookedBefore++; return true })
	w.redis.Restart(5 * time.Second)
	t.Logf("Redis restarted after %d bookings", bookedBefore)

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		close(stop)
		<-done
		t.Error("the clients could not finish their bookings within 3 minutes of the restart")
	}

	total := 0
	told.Range(func(any, any) bool { total++; return true })
	redelivered := 0
	for _, p := range w.tg.Posts() {
		if p.Status != http.StatusOK {
			redelivered++
		}
	}
	t.Logf("%d bookings told (%d before the restart); %d taps told to try again in a moment, %d retries, %d webhook deliveries refused and made again",
		total, bookedBefore, unavailable.Load(), retries.Load(), redelivered)
	if total != clients*each {
		t.Errorf("%d bookings made, want %d", total, clients*each)
	}
	if bookedBefore == 0 || bookedBefore == clients*each {
		t.Errorf("the restart did not fall in the middle of traffic (%d of %d booked before)", bookedBefore, clients*each)
	}
	if unavailable.Load()+int64(redelivered) == 0 {
		t.Error("no tap met the outage")
	}

	// Every booking a client was told of is in Redis, confirmed.
	confirmed := map[booking]bool{}
	for _, a := range w.appointments() {
		if a.Status == tori.StatusConfirmed {
			confirmed[booking{a.Client.ID, a.Start.Unix()}] = true
		}
	}
	told.Range(func(k, _ any) bool {
		b := k.(booking)
		if !confirmed[b] {
			t.Errorf("client %d was told of a booking at %s that Redis does not have", b.client, time.Unix(b.start, 0))
		}
		return true
	})
	w.checkNoOverlap(w.appointments())

	// The processes recovered by themselves.
	for _, p := range append(bots, worker) {
		if !p.running() {
			t.Errorf("%s stopped:\n%s", p.name, tail(p.log.String(), 2000))
			continue
		}
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s not ready after the restart: %v", p.name, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}

// book makes one attempt to book start (from message *m, which it moves
// on): true when the client was told "You're booked."; a message asking to
// try again in a moment is counted in unavailable.
func (c *client) book(m *telegramtest.Message, service, therapist string, start time.Time, unavailable *atomic.Int64) bool {
	prev := m.Text
	if _, err := c.press(*m, timeData(service, therapist, start)); err != nil {
		return false
	}
	r, err := c.changed(m.ID, prev)
	if err != nil {
		return false
	}
	*m = r
	if strings.Contains(r.Text, "try again in a moment") {
		unavailable.Add(1)
	}
	k, ok := button(r, "k:")
	if !ok || !strings.Contains(r.Text, "held for you until") {
		return false
	}
	if _, err := c.press(r, k); err != nil {
		return false
	}
	if r, err = c.changed(r.ID, r.Text); err != nil {
		return false
	}
	*m = r
	if strings.Contains(r.Text, "try again in a moment") {
		unavailable.Add(1)
	}
	return strings.Contains(r.Text, "You're booked.")
}
