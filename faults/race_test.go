//go:build faults

package faults_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestManyProcessesNoDoubleBooking: three bot processes in webhook mode
// behind a round-robin load balancer and two worker processes, on one
// Redis; 150 clients make 2,100 attempts at 111 overlapping times of 30, 60
// (50 and a 10-minute buffer) and 90 minutes with two therapists, paying
// for the prepaid ones, while Telegram delivers up to 40 updates at once.
// Beside them, six takers in the test's own process take series of the
// same times (2 to 6 weeks, weekly or every other week, half held by the
// client and confirmed, half booked at once by the practice). Afterwards
// no two live bookings of a therapist overlap (series and single
// bookings alike), and every confirmed paid booking has exactly one
// capture (and every capture a booking or a full refund).
func TestManyProcessesNoDoubleBooking(t *testing.T) {
	w := newWorld(t)
	for i := range 3 {
		w.bot(fmt.Sprintf("bot%d", i+1))
	}
	for i := range 2 {
		w.worker(fmt.Sprintf("worker%d", i+1))
	}
	const clients, attempts = 150, 14
	var starts []time.Time
	for _, offset := range []int{2, 3, 4} {
		for m := 9 * 60; m <= 15*60; m += 10 {
			starts = append(starts, day(offset, fmt.Sprintf("%02d:%02d", m/60, m%60)))
		}
	}
	services := []string{"short", "talk", "long"}
	therapists := []string{"adi", "noa"}

	var held, taken, booked, paid, failed atomic.Int64
	var errs sync.Map
	begin := time.Now()
	series := w.raceSeries(6, 30, starts) // beside them, series of the same times: one every 30 attempts
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := w.client(int64(5000 + i))
			fail := func(msg string) { failed.Add(1); errs.Store(i, msg) }
			m, err := c.say("/start")
			if err != nil {
				fail(err.Error())
				return
			}
			for range attempts {
				series.pace()
				svc, thr := services[rand.IntN(len(services))], therapists[rand.IntN(len(therapists))]
				start := starts[rand.IntN(len(starts))]
				r, err := c.press(m, timeData(svc, thr, start))
				if err != nil {
					fail(err.Error())
					m, _ = c.last()
					continue
				}
				m = r
				k, ok := button(r, "k:")
				if !ok || !strings.Contains(r.Text, "held for you until") {
					taken.Add(1)
					continue
				}
				held.Add(1)
				heldText := r.Text
				if _, err = c.press(r, k); err == nil {
					// The confirmation (or the pay button) replaces the summary;
					// the calendar file may come first.
					r, err = c.changed(r.ID, heldText)
				}
				if err != nil {
					fail(err.Error())
					m, _ = c.last()
					continue
				}
				m = r
				if strings.Contains(r.Text, "You're booked.") {
					booked.Add(1)
					continue
				}
				if u := urlButton(r); u != "" {
					status, page, err := visit(u)
					switch {
					case err != nil || status != 200:
						fail(fmt.Sprintf("paying: %d %v", status, err))
					case strings.Contains(page, "Paid"):
						paid.Add(1)
					}
				}
				m, _ = c.last()
			}
		}()
	}
	wg.Wait()
	series.stop()
	elapsed := time.Since(begin)
	// Let every update and every message settle.
	deadline := time.Now().Add(30 * time.Second)
	for w.tg.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // waiting for the fake to drain, with a deadline
	}
	time.Sleep(2 * time.Second)

	t.Logf("%d attempts in %s: %d held (%d booked free, %d paid), %d found the time taken, %d failed",
		clients*attempts, elapsed.Round(time.Second), held.Load(), booked.Load(), paid.Load(), taken.Load(), failed.Load())
	errs.Range(func(k, v any) bool { t.Logf("client %v: %v", k, v); return true })
	as := w.appointments()
	confirmed := w.checkNoOverlap(as)
	paidBookings := w.checkMoney(as)
	confirmed -= series.check(t, as)
	t.Logf("%d appointments in Redis, %d confirmed (%d paid), %d PayPal orders, %d capture calls",
		len(as), confirmed, paidBookings, len(w.pp.Orders()), w.pp.Calls("capture"))
	if confirmed < 20 || taken.Load() < 500 {
		t.Errorf("the race was not a race: %d confirmed, %d refused", confirmed, taken.Load())
	}
	if failed.Load() > clients*attempts/100 {
		t.Errorf("%d attempts failed (more than 1%%)", failed.Load())
	}
	if int64(confirmed) != booked.Load()+int64(paidBookings) || int64(paidBookings) != paid.Load() {
		t.Errorf("clients were told %d free and %d paid bookings; Redis has %d confirmed, %d paid", booked.Load(), paid.Load(), confirmed, paidBookings)
	}
}
