//go:build faults

package faults_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// bookToPay takes client c through choosing a prepaid session to the pay
// button, and returns its approve URL.
func (w *world) bookToPay(c *client, offset int, hm string) string {
	w.t.Helper()
	m, err := c.say("/start talk")
	if err != nil {
		w.t.Fatal(err)
	}
	if m, err = c.press(m, timeData("talk", "adi", day(offset, hm))); err != nil {
		w.t.Fatal(err)
	}
	k, ok := button(m, "k:")
	if !ok {
		w.t.Fatalf("no confirm button on %q", m.Text)
	}
	if m, err = c.press(m, k); err != nil {
		w.t.Fatal(err)
	}
	approve := urlButton(m)
	if approve == "" {
		w.t.Fatalf("no pay button on %q", m.Text)
	}
	return approve
}

// waitChat waits until the chat's messages satisfy ok.
func (w *world) waitChat(chat int64, within time.Duration, what string, ok func([]telegramtest.Message) bool) {
	w.t.Helper()
	if _, err := w.tg.Wait(chat, within, ok); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

// count is how many times part appears in ms (notices that waited
// together for a chat go as one message).
func count(ms []telegramtest.Message, part string) int {
	n := 0
	for _, m := range ms {
		n += strings.Count(m.Text, part)
	}
	return n
}

func has(part string, n int) func([]telegramtest.Message) bool {
	return func(ms []telegramtest.Message) bool { return count(ms, part) >= n }
}

// TestCrashWhilePaying kills the bot process (SIGKILL) at each step of a
// payment, after the buyer approved at PayPal and came back: before the
// capture, after the capture before it is recorded, and after it is
// recorded before anyone is told. The process is started again with a
// worker beside it; the payment must converge by the buyer coming back
// again, or by the worker's reconciliation alone: one capture, the booking
// confirmed, the client and the therapist told once.
func TestCrashWhilePaying(t *testing.T) {
	t.Parallel() // mostly waiting for the worker: beside the others
	for _, point := range []string{"pay.before_capture", "pay.after_capture", "pay.after_record"} {
		for _, by := range []string{"buyer", "worker"} {
			t.Run(point+"/"+by, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				b := w.bot("bot", "TORI_FAULT="+point)
				c := w.client(101)
				approve := w.bookToPay(c, 4, "10:00")
				order := approve[strings.Index(approve, "token=")+len("token="):]

				// The buyer approves and comes back; the bot dies on the way.
				if status, _, err := visit(approve); err == nil && status == 200 {
					t.Fatalf("the return page answered %d although the bot was to die", status)
				}
				w.waitExit(b, 10*time.Second)
				captured := 0
				if o, _ := w.pp.Order(order); o.Capture != nil {
					captured = 1
				}
				if want := map[string]int{"pay.before_capture": 0, "pay.after_capture": 1, "pay.after_record": 1}[point]; captured != want {
					t.Fatalf("at %s PayPal has %d captures, want %d", point, captured, want)
				}

				w.restart(b)
				w.worker("worker")
				within := 20 * time.Second
				if by == "buyer" {
					status, page, err := visit(w.lb.URL + "/paypal/return?token=" + order + "&PayerID=X")
					if err != nil || status != 200 || !strings.Contains(page, "Paid") {
						t.Fatalf("the buyer came back again: %d %v\n%s", status, err, page)
					}
				} else {
					// Reconciliation looks at an order two minutes after it was
					// made, then every 30 s.
					within = 4 * time.Minute
				}
				// One confirmation, one notice (and below, one capture).
				w.toldOnce(t, c.u.ID, within)
				as := w.appointments()
				if n := w.checkNoOverlap(as); n != 1 {
					t.Errorf("%d confirmed bookings, want 1", n)
				}
				if n := w.checkMoney(as); n != 1 {
					t.Errorf("%d confirmed paid bookings, want 1", n)
				}
				// Recorded as told, and no longer watched: nobody (the
				// worker's next reconciliation included) tells it again.
				for _, a := range as {
					told, _ := w.rdb.HGet(context.Background(), "tori:{t:adi}:a:"+a.ID, "told").Result()
					open := w.rdb.ZScore(context.Background(), "tori:payments:open", a.ID).Err() == nil
					if told != "1" || open {
						t.Errorf("appointment %s: told=%q, still among the open payments: %v", a.ID, told, open)
					}
				}
			})
		}
	}
}

// TestCrashWorkerWhilePaying: the buyer approves at PayPal and never comes
// back, so the worker's reconciliation captures the payment; the worker is
// killed right after PayPal captured, before anything is recorded. Another
// worker process (the same one started again) finds the payment when the
// dead one's lease runs out, records the capture it finds at PayPal (no
// second capture) and tells the client and the therapist once.
func TestCrashWorkerWhilePaying(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bot("bot")
	wk := w.worker("worker", "TORI_FAULT=pay.after_capture")
	c := w.client(103)
	approve := w.bookToPay(c, 4, "12:00")
	order := approve[strings.Index(approve, "token=")+len("token="):]
	if err := w.pp.Approve(order); err != nil { // approved; the tab closed
		t.Fatal(err)
	}
	// Reconciliation looks at the order two minutes after it was made.
	w.waitExit(wk, 4*time.Minute)
	if o, _ := w.pp.Order(order); o.Capture == nil {
		t.Fatal("the worker died before PayPal captured")
	}
	if n := count(w.tg.Messages(c.u.ID), "You're booked."); n != 0 {
		t.Fatalf("told before it was recorded (%d)", n)
	}
	w.restart(wk)
	// The dead worker's claim lapses after its 2-minute lease.
	w.toldOnce(t, c.u.ID, 4*time.Minute)
	as := w.appointments()
	if n := w.checkMoney(as); n != 1 {
		t.Errorf("%d confirmed paid bookings, want 1", n)
	}
	if n := w.pp.Calls("capture"); n > 2 {
		t.Errorf("%d capture calls (the first, and at most one replay)", n)
	}
}

// TestCrashWhileRefunding kills the bot while it refunds a cancelled paid
// booking: before PayPal is asked, and after PayPal refunded but before it
// is recorded. After a restart (and Telegram delivering the unanswered
// update again), the worker's refund retries finish it: one refund at
// PayPal, of the full amount, recorded, and the client told.
func TestCrashWhileRefunding(t *testing.T) {
	t.Parallel()
	for _, point := range []string{"refund.before_issue", "refund.after_issue"} {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b := w.bot("bot")
			w.worker("worker")
			c := w.client(102)
			approve := w.bookToPay(c, 5, "11:00")
			order := approve[strings.Index(approve, "token=")+len("token="):]
			if status, page, err := visit(approve); err != nil || status != 200 || !strings.Contains(page, "Paid") {
				t.Fatalf("paying: %d %v", status, err)
			}
			w.waitChat(c.u.ID, 20*time.Second, "the confirmation", has("You're booked.", 1))

			w.restart(b, "TORI_FAULT="+point)
			m, err := c.say("/my")
			if err != nil {
				t.Fatal(err)
			}
			q, ok := button(m, "q:")
			if !ok {
				t.Fatalf("no cancel button on %q", m.Text)
			}
			if m, err = c.press(m, q); err != nil {
				t.Fatal(err)
			}
			yes, ok := button(m, "qq:")
			if !ok {
				t.Fatalf("no confirm-cancel button on %q", m.Text)
			}
			c.w.tg.PressData(c.u, m.ID, yes) // the bot dies handling it
			w.waitExit(b, 20*time.Second)
			o, _ := w.pp.Order(order)
			refunds := len(w.pp.Refunds(o.Capture.ID))
			if want := map[string]int{"refund.before_issue": 0, "refund.after_issue": 1}[point]; refunds != want {
				t.Fatalf("at %s PayPal has %d refunds, want %d", point, refunds, want)
			}

			w.restart(b)
			// The refund retries start two minutes after the cancellation.
			w.waitChat(c.u.ID, 4*time.Minute, "the client told of the refund", has("has been refunded", 1))
			time.Sleep(2 * time.Second)
			o, _ = w.pp.Order(order)
			rs := w.pp.Refunds(o.Capture.ID)
			if len(rs) != 1 || rs[0].Value != "350.50" {
				t.Fatalf("refunds at PayPal: %+v", rs)
			}
			if n := count(w.tg.Messages(c.u.ID), "has been refunded"); n != 1 {
				t.Errorf("the client was told of the refund %d times", n)
			}
			w.checkMoney(w.appointments())
		})
	}
}

// toldOnce waits for the client's confirmation and the therapist's notice
// of a paid booking, then a while more, and checks that each came once.
func (w *world) toldOnce(t *testing.T, client int64, within time.Duration) {
	t.Helper()
	w.waitChat(client, within, "the client's confirmation", has("You're booked.", 1))
	w.waitChat(9001, within, "the therapist's notice", has("New booking", 1))
	time.Sleep(2 * time.Second) // a late duplicate would arrive within this
	if n := count(w.tg.Messages(client), "You're booked."); n != 1 {
		t.Errorf("the client was told %d times", n)
	}
	if n := count(w.tg.Messages(9001), "New booking"); n != 1 {
		t.Errorf("the therapist was told %d times", n)
	}
}
