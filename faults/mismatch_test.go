//go:build faults

package faults_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestCrashWhilePayingMismatch: PayPal's capture of a ₪350.50 order takes
// $1.00 (the order was changed at PayPal). The bot process is killed at
// each step of paying and of refunding it; started again with a worker
// beside it, the payment must converge by the buyer coming back again or
// by the worker alone: never a booking, exactly one refund at PayPal of
// exactly $1.00, recorded, the time held under one new hold, and the
// client and the therapist told once.
func TestCrashWhilePayingMismatch(t *testing.T) {
	t.Parallel()
	points := []string{"pay.before_capture", "pay.after_capture", "pay.after_record", "refund.before_issue", "refund.after_issue"}
	for _, point := range points {
		for _, by := range []string{"buyer", "worker"} {
			t.Run(point+"/"+by, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				b := w.bot("bot", "TORI_FAULT="+point)
				c := w.client(104)
				approve := w.bookToPay(c, 4, "10:00")
				order := approve[strings.Index(approve, "token=")+len("token="):]
				if err := w.pp.SetAmount(order, "USD", "1.00"); err != nil {
					t.Fatal(err)
				}

				// The buyer approves and comes back; the bot dies on the way.
				if status, _, err := visit(approve); err == nil && status == 200 {
					t.Fatalf("the return page answered %d although the bot was to die", status)
				}
				w.waitExit(b, 10*time.Second)
				w.restart(b)
				w.worker("worker")
				within := 20 * time.Second
				if by == "buyer" {
					status, page, err := visit(w.lb.URL + "/paypal/return?token=" + order + "&PayerID=X")
					if err != nil || status != 200 || !strings.Contains(page, "did not match") {
						t.Fatalf("the buyer came back again: %d %v\n%s", status, err, page)
					}
				} else {
					within = 4 * time.Minute // reconciliation looks two minutes on
				}
				w.waitChat(c.u.ID, within, "the client told", has("PayPal took $1, but this session's price is ₪350.50", 1))
				w.waitChat(9001, within, "the therapist told", has("Payment did not match", 1))
				time.Sleep(2 * time.Second) // a late duplicate would arrive within this
				if n := count(w.tg.Messages(c.u.ID), "did not match"); n != 1 {
					t.Errorf("the client was told %d times", n)
				}
				if n := count(w.tg.Messages(9001), "did not match"); n != 1 {
					t.Errorf("the therapist was told %d times", n)
				}

				// The refund may still be on its way (the worker retries it):
				// wait until it is recorded.
				var a tori.Appointment
				deadline := time.Now().Add(within)
				for {
					as := w.appointments()
					if n := w.checkNoOverlap(as); n != 0 {
						t.Fatalf("%d confirmed bookings, want 0", n)
					}
					a = tori.Appointment{}
					for _, x := range as {
						if x.OrderID == order {
							a = x
						}
					}
					if a.RefundState == tori.RefundRefunded || time.Now().After(deadline) {
						break
					}
					time.Sleep(500 * time.Millisecond) // polling the worker, with a deadline
				}
				usd := tori.Money{Amount: 100, Currency: "USD"}
				if a.PayState != tori.PayStateMismatch || a.Paid != usd || a.RefundState != tori.RefundRefunded || a.Refunded != usd || a.Successor == "" {
					t.Fatalf("recorded %s/%s paid %v refund %s %v successor %q", a.Status, a.PayState, a.Paid, a.RefundState, a.Refunded, a.Successor)
				}
				o, _ := w.pp.Order(order)
				if rf := w.pp.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Currency != "USD" || rf[0].Value != "1.00" {
					t.Errorf("refunds at PayPal: %+v", rf)
				}
				if n := len(w.pp.Orders()); n != 1 {
					t.Errorf("%d orders at PayPal", n)
				}
				w.checkMoney(w.appointments())
			})
		}
	}
}
