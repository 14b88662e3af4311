//go:build faults

package faults_test

import (
	"context"
	"testing"
	"time"
)

// TestCrashBeforeTheNoticeGoes kills the bot process (SIGKILL) after the
// client was answered and before the notice to the therapist went out:
// for a paid booking (the notice queued where the telling is recorded)
// and for a booking made in the chat (queued after the answer). The
// process is started again beside a worker; the therapist gets the
// notice from the worker, once, and the client was told once.
func TestCrashBeforeTheNoticeGoes(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"paid", "chat"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b := w.bot("bot", "TORI_FAULT=notice.before_send")
			w.worker("worker")
			c := w.client(104)

			if how == "paid" {
				approve := w.bookToPay(c, 4, "13:00")
				_, _, _ = visit(approve) // the page may not come: the bot dies beside it
			} else {
				m, err := c.say("/start short")
				if err != nil {
					t.Fatal(err)
				}
				if m, err = c.press(m, timeData("short", "adi", day(4, "13:00"))); err != nil {
					t.Fatal(err)
				}
				k, ok := button(m, "k:")
				if !ok {
					t.Fatalf("no confirm button on %q", m.Text)
				}
				w.tg.PressData(c.u, m.ID, k)
			}
			w.waitExit(b, 20*time.Second)
			if n := count(w.tg.Messages(c.u.ID), "You're booked."); n != 1 {
				t.Fatalf("the client was told %d times before the bot died, want once", n)
			}
			if n := count(w.tg.Messages(9001), "New booking"); n != 0 {
				t.Fatalf("the therapist was told before the bot died (%d)", n)
			}

			w.restart(b)
			// Due at the worker a minute after it was queued; its relay job runs every 30 s.
			w.toldOnce(t, c.u.ID, 3*time.Minute)
			if n, err := w.rdb.ZCard(context.Background(), "tori:relay:pending").Result(); err != nil || n != 0 {
				t.Errorf("%d left in the worker's queue (%v)", n, err)
			}
			as := w.appointments()
			if n := w.checkNoOverlap(as); n != 1 {
				t.Errorf("%d confirmed bookings, want 1", n)
			}
			if how == "paid" {
				w.checkMoney(as)
			}
		})
	}
}
