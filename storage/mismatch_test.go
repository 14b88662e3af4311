package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestConfirmPaidRefusesAMismatch: the recording script itself compares
// the capture with the due it holds, so a caller that records a capture of
// another amount or currency without saying so (no successor) confirms
// nothing: the capture is kept as taken, its refund is pending in the
// capture's currency, and the time is let go.
func TestConfirmPaidRefusesAMismatch(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	for _, tc := range []struct {
		name string
		paid tori.Money
	}{
		{"Lower", tori.Money{Amount: 100, Currency: "ILS"}},
		{"Higher", tori.Money{Amount: 40000, Currency: "ILS"}},
		{"SameNumberOtherCurrency", tori.Money{Amount: 35000, Currency: "USD"}},
		{"ZeroDecimal", tori.Money{Amount: 5, Currency: "JPY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storagetest.MustStore(t)
			a := mustPaidHold(t, s, now)
			c := tori.Capture{ID: "CAPTURE-" + tc.name, Status: "COMPLETED", Amount: tc.paid}
			// A call that took the capture for a match: no successor.
			sneaky := a
			sneaky.Due = tc.paid
			got, fresh, err := s.ConfirmPaid(ctx, sneaky, c, tori.Appointment{}, now)
			if err != nil || !fresh {
				t.Fatalf("= %+v, %v, %v", got, fresh, err)
			}
			if got.Status == tori.StatusConfirmed || got.PayState != tori.PayStateMismatch || got.Paid != tc.paid ||
				got.RefundDue != tc.paid || got.RefundState != tori.RefundPending || got.Successor != "" {
				t.Fatalf("recorded %s/%s paid %v refund %v %s successor %q", got.Status, got.PayState, got.Paid, got.RefundDue, got.RefundState, got.Successor)
			}
			if got.Due != a.Price {
				t.Fatalf("due became %v", got.Due)
			}
			// The time is free again, the refund is queued for the worker, and
			// a lookup by the capture finds it (refund webhooks).
			mustHold(t, s, hold(2, 0, 50*time.Minute, now), now)
			if ids, _ := s.PendingRefunds(ctx, 10); len(ids) != 1 || ids[0] != a.ID {
				t.Fatalf("pending refunds %v", ids)
			}
			if byCapture, err := s.AppointmentByCapture(ctx, c.ID); err != nil || byCapture.ID != a.ID {
				t.Fatalf("by capture: %+v, %v", byCapture, err)
			}
			// Recorded once: again, or with the right amount now, changes nothing.
			for _, again := range []tori.Capture{c, {ID: c.ID, Status: "COMPLETED", Amount: a.Price}} {
				if got, fresh, err := s.ConfirmPaid(ctx, a, again, tori.Appointment{}, now); err != nil || fresh || got.PayState != tori.PayStateMismatch {
					t.Fatalf("again = %s, %v, %v", got.PayState, fresh, err)
				}
			}
			// Nothing holds, renews or captures it again.
			if err := s.Release(ctx, a.ID, a.HoldToken, now); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Renew(ctx, a.ID, a.HoldToken, now.Add(time.Hour), 2, now); tori.ErrorCode(err) != tori.ECONFLICT {
				t.Fatalf("renew of a mismatched hold: %v", err)
			}
			if got, err := s.BeginCapture(ctx, a.ID, a.HoldToken, now.Add(time.Minute), now); err != nil || got.PayState != tori.PayStateMismatch {
				t.Fatalf("begin capture = %s, %v", got.PayState, err)
			}
			if got, changed, err := s.SetPayState(ctx, a.ID, tori.PayStateLost, now); err != nil || changed || got.PayState != tori.PayStateMismatch {
				t.Fatalf("set pay state = %s, %v, %v", got.PayState, changed, err)
			}
			got, _ = s.Appointment(ctx, a.ID)
			if got.Status != tori.StatusExpired {
				t.Fatalf("status %s", got.Status)
			}
		})
	}
}

// mustPaidHold holds a session of client 1, paid in full in advance.
func mustPaidHold(t *testing.T, s *storage.Store, now time.Time) tori.Appointment {
	t.Helper()
	a := hold(1, 0, 50*time.Minute, now)
	a.Payment, a.Due = tori.PayFull, a.Price
	mustHold(t, s, a, now)
	return a
}

// TestConfirmPaidMismatchSuccessor: with a successor, a mismatched capture
// passes its hold's time to it in the same step, held until exactly the
// end the caller worked out (tori holds it until the later of the old end
// and a full hold period from now), in the client's index, and among the
// client's holds until that same end: the hold cap counts it as long as
// it holds the time.
func TestConfirmPaidMismatchSuccessor(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustPaidHold(t, s, now)
	next := hold(1, 0, 50*time.Minute, now)
	next.Payment, next.Due, next.HoldUntil = tori.PayFull, a.Price, now.Add(5*time.Minute) // earlier than a's end
	c := tori.Capture{ID: "CAPTURE-S", Status: "COMPLETED", Amount: tori.Money{Amount: 35000, Currency: "EUR"}}
	got, fresh, err := s.ConfirmPaid(ctx, a, c, next, now)
	if err != nil || !fresh || got.Successor != next.ID || got.PayState != tori.PayStateMismatch || got.Status != tori.StatusExpired {
		t.Fatalf("= %+v, %v, %v", got, fresh, err)
	}
	n, err := s.Appointment(ctx, next.ID)
	if err != nil || n.Status != tori.StatusHeld || !n.HoldUntil.Equal(next.HoldUntil) || n.HoldToken != next.HoldToken {
		t.Fatalf("successor = %+v, %v", n, err)
	}
	if sc, err := s.Redis.ZScore(ctx, s.ClientHoldsKey(1), next.ID).Result(); err != nil || int64(sc) != n.HoldUntil.UnixMilli() {
		t.Fatalf("among the client's holds until %v (%v); held until %v", int64(sc), err, n.HoldUntil.UnixMilli())
	}
	if _, err := s.Hold(ctx, hold(2, 0, 50*time.Minute, now), 2, now); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("the time was free for another client: %v", err)
	}
	mine, err := s.ClientAppointments(ctx, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range mine {
		found = found || m.ID == next.ID
	}
	if !found {
		t.Fatalf("the successor is not among the client's appointments: %+v", mine)
	}
	// It is a hold like any other: confirmed by its own payment.
	n.OrderID = "ORDER-2"
	if got, fresh, err := s.ConfirmPaid(ctx, n, tori.Capture{ID: "CAPTURE-2", Status: "COMPLETED", Amount: a.Price}, tori.Appointment{}, now); err != nil || !fresh || got.Status != tori.StatusConfirmed {
		t.Fatalf("successor paid = %+v, %v, %v", got, fresh, err)
	}
}

// replayed runs every pipeline that carries one of its arguments twice, as
// go-redis does when the first reply is lost (a read timeout): the
// scripts in it run twice, and the caller reads the second answer.
type replayed struct{ arg string }

func (r *replayed) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (r *replayed) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (r *replayed) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			for _, a := range c.Args() {
				if a == r.arg {
					if err := next(ctx, cmds); err != nil {
						return err
					}
					return next(ctx, cmds)
				}
			}
		}
		return next(ctx, cmds)
	}
}

// TestConfirmPaidRetried: the recording script run twice for one call (a
// reply lost and the call sent again) still answers that call as the one
// that recorded the capture, so the booking or the mismatch is counted and
// told by it; another call recording the same capture is not.
func TestConfirmPaidRetried(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	for _, tc := range []struct {
		name   string
		amount tori.Money
		want   tori.PayState
	}{
		{"Matching", tori.Money{Amount: 35000, Currency: "ILS"}, tori.PayStatePaid},
		{"Mismatch", tori.Money{Amount: 100, Currency: "ILS"}, tori.PayStateMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storagetest.MustStore(t)
			a := mustPaidHold(t, s, now)
			c := tori.Capture{ID: "CAPTURE-" + tc.name, Status: "COMPLETED", Amount: tc.amount}
			s.Redis.AddHook(&replayed{arg: c.ID})
			got, fresh, err := s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now)
			if err != nil || !fresh || got.PayState != tc.want {
				t.Fatalf("= %s, fresh %v, %v", got.PayState, fresh, err)
			}
			if _, fresh, err := s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now); err != nil || fresh {
				t.Fatalf("another call = fresh %v, %v", fresh, err)
			}
		})
	}
}

// TestRefundFailedCountsAnAttemptOnce: two callers failing the same
// attempt at a refund at once count it once (a compare-and-set on the
// attempts each read), and the time of the last one is kept for the
// next attempt's backoff.
func TestRefundFailedCountsAnAttemptOnce(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustPaidHold(t, s, now)
	if _, _, err := s.ConfirmPaid(ctx, a, tori.Capture{ID: "CAPTURE-F", Status: "COMPLETED", Amount: tori.Money{Amount: 100, Currency: "ILS"}}, tori.Appointment{}, now); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := s.RefundFailed(ctx, a.ID, 0, false, now); err != nil || got.RefundTries != 1 || !got.RefundTriedAt.Equal(now) {
			t.Fatalf("= %d tries at %v, %v", got.RefundTries, got.RefundTriedAt, err)
		}
	}
	later := now.Add(time.Minute)
	if got, err := s.RefundFailed(ctx, a.ID, 1, true, later); err != nil || got.RefundTries != 2 || got.Refusals != 1 || !got.RefundTriedAt.Equal(later) {
		t.Fatalf("second attempt = %d tries, %d refusals, at %v, %v", got.RefundTries, got.Refusals, got.RefundTriedAt, err)
	}
}
