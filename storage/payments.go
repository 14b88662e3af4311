package storage

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// keysOf returns the keys an appointment's payment scripts take (its hash
// and, withSched, its therapist's schedule and spans) and its therapist.
func (s *Store) keysOf(id string, withSched bool) ([]string, string, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return nil, "", err
	}

	keys := []string{s.appointmentKey(tid, id)}
	if withSched {
		keys = append(keys, s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid))
	}
	return keys, tid, nil
}

func notFound() error {
	return tori.Errorf(tori.ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
}

// refundFirstRetry is when a refund is first looked at by the worker: the
// request made at once (when cancelling) has finished by then.
const refundFirstRetry = 2 * time.Minute

// AttachOrder implements tori.PaymentStore. The order's index entries are
// written first, as intent: reconciliation then finds an order whose
// buyer never came back, and a lookup by order always finds the booking.
func (s *Store) AttachOrder(ctx context.Context, id, token string, o tori.Order, msg int, now time.Time) (tori.Appointment, error) {
	keys, _, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, err
	}

	// The order's index and its place in the open payments go in the same
	// round trip as the script: on a cluster they run beside it, not before
	// it, and that is enough, since the pay button is shown only once all
	// three are done (a failure shows no button; a second Confirm writes
	// them again, under the same order).
	index := func(p redis.Pipeliner) {
		p.Set(ctx, s.orderKey(o.ID), id, 0)
		// first looked up two minutes on: the buyer is usually back by then
		p.ZAddNX(ctx, s.openPaymentsKey(), redis.Z{Score: float64(ms(now.Add(2 * time.Minute))), Member: id})
	}

	code, a, err := s.runScriptRead(ctx, "attach order", attachOrderScript, id, keys, beside{before: index}, token, o.ID, o.ApproveURL, msg, ms(now))
	if err != nil {
		return tori.Appointment{}, err
	}
	switch {
	case code == "NOTFOUND" || code == "OK" && a.ID == "":
		return tori.Appointment{}, notFound()
	case code == "OK":
		return a, nil
	}
	return tori.Appointment{}, tori.Errorf(tori.EEXPIRED, "This time is no longer held for you. Choose a time again.")
}

// result reads the appointment a script answered OK for, or says it is
// not found, or returns refused for any other answer.
func (s *Store) result(ctx context.Context, id, code string, refused error) (tori.Appointment, error) {
	switch code {
	case "OK":
		return s.Appointment(ctx, id)
	case "NOTFOUND":
		return tori.Appointment{}, notFound()
	}
	return tori.Appointment{}, refused
}

func (s *Store) byIndex(ctx context.Context, key string) (tori.Appointment, error) {
	id, err := s.Redis.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return tori.Appointment{}, notFound()
	}
	if err != nil {
		return tori.Appointment{}, formatError("lookup", err)
	}
	return s.Appointment(ctx, id)
}

// AppointmentByOrder implements tori.PaymentStore.
func (s *Store) AppointmentByOrder(ctx context.Context, orderID string) (tori.Appointment, error) {
	a, err := s.byIndex(ctx, s.orderKey(orderID))
	if err == nil && a.OrderID != orderID {
		return tori.Appointment{}, notFound() // an intent whose attach never happened
	}
	return a, err
}

// AppointmentByCapture implements tori.PaymentStore.
func (s *Store) AppointmentByCapture(ctx context.Context, captureID string) (tori.Appointment, error) {
	return s.byIndex(ctx, s.captureKey(captureID))
}

// BeginCapture implements tori.PaymentStore.
func (s *Store) BeginCapture(ctx context.Context, id, token string, until, now time.Time) (tori.Appointment, error) {
	keys, tid, err := s.keysOf(id, true)
	if err != nil {
		return tori.Appointment{}, err
	}
	keys = append(keys, s.holdExpiryKey(tid))
	code, a, err := s.runScriptRead(ctx, "begin capture", beginCaptureScript, id, keys, beside{}, id, token, ms(now), ms(until), s.HoldRetention.Milliseconds())
	if err != nil {
		return tori.Appointment{}, err
	}

	switch code {
	case "OK":
		if a.ID == "" {
			return tori.Appointment{}, notFound()
		}
		return a, nil
	case "TAKEN":
		s.settle(ctx, s.Redis, id)
		return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "That time was taken before the payment was made.")
	case "UNCERTAIN":
		return tori.Appointment{}, tori.Errorf(tori.EGONE, "The time is gone, and a capture may have been made: ask PayPal.")
	case "NOTFOUND":
		return tori.Appointment{}, notFound()
	}
	return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "This payment does not belong to this hold.")
}

// ClaimTelling implements tori.PaymentStore.
func (s *Store) ClaimTelling(ctx context.Context, id, token string, lease time.Duration) (tori.TellClaim, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.TellBusy, err
	}

	keys := []string{s.appointmentKey(tid, id), s.tellKey(tid, id)}
	code, _, err := s.runScript(ctx, "claim telling", claimTellingScript, keys, lease.Milliseconds(), token)
	switch {
	case err != nil:
		return tori.TellBusy, err
	case code == "OK":
		return tori.TellYours, nil
	case code == "BUSY":
		return tori.TellBusy, nil
	}
	return tori.TellDone, nil // told, or nothing left to tell of
}

// Told implements tori.PaymentStore. The notices still to send (with) are
// queued first, and the payment leaves the open payments once its telling
// is recorded: all in the same round trip on one server.
func (s *Store) Told(ctx context.Context, id, token string, with ...tori.Queued) error {
	tid, err := therapistOf(id)
	if err != nil {
		return err
	}

	keys := []string{s.appointmentKey(tid, id), s.tellKey(tid, id)}
	around := beside{after: func(p redis.Pipeliner) { s.settle(ctx, p, id) }, ordered: true}
	if len(with) > 0 {
		around.before = func(p redis.Pipeliner) { s.enqueue(ctx, p, with) }
	}
	_, _, err = s.runScriptWith(ctx, "told", toldScript, keys, around, "", token)
	return err
}

// ToldFailed implements tori.PaymentStore.
func (s *Store) ToldFailed(ctx context.Context, id, token string) error {
	tid, err := therapistOf(id)
	if err != nil {
		return err
	}
	_, _, err = s.runScript(ctx, "told failed", releaseTellScript, []string{s.tellKey(tid, id)}, token)
	return err
}

// settle drops an appointment from the open payments (best effort: the
// reconciliation skips what is settled anyway), through c: the client, or
// a pipeline.
func (s *Store) settle(ctx context.Context, c redis.Cmdable, id string) {
	c.ZRem(ctx, s.openPaymentsKey(), id)
}

// SetPayState implements tori.PaymentStore.
func (s *Store) SetPayState(ctx context.Context, id string, state tori.PayState, now time.Time) (tori.Appointment, bool, error) {
	keys, _, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	code, a, err := s.runScriptRead(ctx, "pay state", setPayStateScript, id, keys, beside{}, string(state), ms(now))
	if err != nil {
		return tori.Appointment{}, false, err
	}
	if code == "NOTFOUND" || a.ID == "" {
		return tori.Appointment{}, false, notFound()
	}

	if state == tori.PayStateLost {
		s.settle(ctx, s.Redis, id)
	}
	return a, code == "OK", nil
}

// ConfirmPaid implements tori.PaymentStore. The capture's index is
// written first, as intent (a lookup by capture finds the booking once it
// is recorded), and the hold's place among the client's holds is given
// back after: on one server all in the script's round trip. A capture that
// does not match what is due also writes, first, its refund's place in the
// refunds queue and the successor's place in the client's index and
// holds (intent: reads skip what the script did not make).
func (s *Store) ConfirmPaid(ctx context.Context, held tori.Appointment, c tori.Capture, next tori.Appointment, now time.Time) (tori.Appointment, bool, error) {
	id := held.ID
	keys, tid, err := s.keysOf(id, true)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	keys = append(keys, s.holdExpiryKey(tid), s.remindKey(tid), s.appointmentKey(tid, id), s.keptKey(tid))

	// The call's token tells a retry of this call (its reply lost) from
	// another call that recorded the capture first: only the first is fresh.
	args := []any{id, c.ID, c.Amount.Amount, ms(now), c.Amount.Currency, "", 0, s.HoldRetention.Milliseconds(), tori.RandomToken(6)}
	mismatch := !held.Matches(c)
	if mismatch && next.ID != "" {
		if t, ok := tori.TherapistOfID(next.ID); !ok || t != tid {
			return tori.Appointment{}, false, tori.Errorf(tori.EINTERNAL, "successor %q of %s is not in therapist %q's calendar", next.ID, id, tid)
		}
		keys[6] = s.appointmentKey(tid, next.ID)
		args[5], args[6] = next.ID, ms(next.HoldUntil)
		args = append(args, encode(next)...)
	}

	with := beside{
		before: func(p redis.Pipeliner) {
			p.Set(ctx, s.captureKey(c.ID), id, 0)
			if mismatch {
				p.ZAddNX(ctx, s.pendingRefundsKey(), redis.Z{Score: float64(ms(now.Add(refundFirstRetry))), Member: id})
			}
			if mismatch && next.ID != "" {
				p.ZAddGT(ctx, s.clientIndexKey(next.Client.ID), redis.Z{Score: float64(ms(next.Start)), Member: next.ID})
				p.ZAdd(ctx, s.clientHoldsKey(next.Client.ID), redis.Z{Score: float64(ms(next.HoldUntil)), Member: next.ID})
			}
		},
		after:   func(p redis.Pipeliner) { s.unreserve(ctx, p, held.Client.ID, id) }, // it stays among the open payments until Told
		ordered: true,
	}

	code, a, err := s.runScriptRead(ctx, "confirm paid", confirmPaidScript, id, keys, with, args...)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	if code == "NOTFOUND" || a.ID == "" {
		return tori.Appointment{}, false, notFound()
	}

	s.afterConfirmPaid(ctx, a, next, mismatch, now)
	return a, code == "OK" || code == "LOST" || code == "MISMATCH" || code == "AGAIN", nil
}

// afterConfirmPaid does what ConfirmPaid's answer a leaves to do: a refund
// the script left pending gets its place in the refunds queue (a mismatch
// wrote it first), and a successor another call recorded first is undone.
func (s *Store) afterConfirmPaid(ctx context.Context, a, next tori.Appointment, mismatch bool, now time.Time) {
	if a.RefundState == tori.RefundPending && !mismatch {
		s.Redis.ZAddNX(ctx, s.pendingRefundsKey(), redis.Z{Score: float64(ms(now.Add(refundFirstRetry))), Member: a.ID})
	}

	if next.ID != "" && a.Successor != next.ID { // recorded by another call: this successor was never made
		s.unreserve(ctx, s.Redis, next.Client.ID, next.ID)
		s.Redis.ZRem(ctx, s.clientIndexKey(next.Client.ID), next.ID)
	}
}

// PendingMismatch implements tori.PaymentStore. The capture's index is
// written first, as intent (the capture's later events find the
// appointment), and the hold's place among the client's holds is given
// back after: on one server in the script's round trip.
func (s *Store) PendingMismatch(ctx context.Context, held tori.Appointment, c tori.Capture, now time.Time) (tori.Appointment, bool, error) {
	id := held.ID
	keys, tid, err := s.keysOf(id, true)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	keys = append(keys[:3], s.holdExpiryKey(tid), s.keptKey(tid))

	with := beside{
		before:  func(p redis.Pipeliner) { p.Set(ctx, s.captureKey(c.ID), id, 0) },
		after:   func(p redis.Pipeliner) { s.unreserve(ctx, p, held.Client.ID, id) },
		ordered: true,
	}

	code, a, err := s.runScriptRead(ctx, "pending mismatch", pendingMismatchScript, id, keys, with, id, c.ID, c.Amount.Amount, c.Amount.Currency, ms(now))
	switch {
	case err != nil:
		return tori.Appointment{}, false, err
	case code == "NOTFOUND" || a.ID == "":
		return tori.Appointment{}, false, notFound()
	case code == "MATCH":
		return a, false, tori.Errorf(tori.EINTERNAL, "the pending capture %s of %s is what is due: not a mismatch", c.ID, id)
	}
	return a, code == "OK", nil
}

// CancelWithRefund implements tori.PaymentStore.
func (s *Store) CancelWithRefund(ctx context.Context, id string, status tori.Status, refund tori.Money, forgiven bool, now time.Time) (tori.Appointment, bool, error) {
	switch status {
	case tori.StatusCancelledByClient, tori.StatusCancelledByPractice:
	default:
		return tori.Appointment{}, false, tori.Errorf(tori.EINTERNAL, "cancel to status %q", status)
	}

	keys, tid, err := s.keysOf(id, true)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	keys = append(keys[:3], s.remindKey(tid))

	if refund.Amount > 0 { // intent: the refund is findable before it is pending
		// due a while on, so the worker does not race the first attempt
		if err := s.Redis.ZAddNX(ctx, s.pendingRefundsKey(), redis.Z{Score: float64(ms(now.Add(refundFirstRetry))), Member: id}).Err(); err != nil {
			return tori.Appointment{}, false, formatError("cancel: index", err)
		}
	}

	code, cur, err := s.runScript(ctx, "cancel", cancelWithRefundScript, keys, id, string(status), ms(now), refund.Amount, boolField(forgiven))
	if err != nil {
		return tori.Appointment{}, false, err
	}
	switch code {
	case "OK", "DONE":
		a, err := s.Appointment(ctx, id)
		return a, code == "OK", err
	case "NOTFOUND":
		return tori.Appointment{}, false, notFound()
	}

	// Refused: the refund's intent is taken back.
	if refund.Amount > 0 {
		s.Redis.ZRem(ctx, s.pendingRefundsKey(), id)
	}
	return tori.Appointment{}, false, tori.Errorf(tori.ECONFLICT, "This booking is %s and can no longer be cancelled.", cur)
}

// RefundDone implements tori.PaymentStore.
func (s *Store) RefundDone(ctx context.Context, id string, r tori.Refund, now time.Time) (tori.Appointment, bool, error) {
	keys, _, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	code, _, err := s.runScript(ctx, "refund done", refundDoneScript, keys, r.ID, r.Amount.Amount, ms(now))
	if err != nil {
		return tori.Appointment{}, false, err
	}
	if code == "NOTFOUND" {
		return tori.Appointment{}, false, notFound()
	}

	s.Redis.ZRem(ctx, s.pendingRefundsKey(), id)
	a, err := s.Appointment(ctx, id)
	return a, code == "OK", err
}

// RefundReported implements tori.PaymentStore. A refund settled, or
// handed to the practice, leaves the refunds queue. A shortfall told
// before (the same refund reported again) is RefundIgnored.
func (s *Store) RefundReported(ctx context.Context, id string, r tori.Refund, now time.Time) (tori.Appointment, tori.RefundOutcome, error) {
	keys, _, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, tori.RefundIgnored, err
	}

	total := ""
	if r.Total.Currency != "" {
		total = strconv.FormatInt(r.Total.Amount, 10)
	}
	// The call's token tells a retry of this call (its reply lost) from
	// another report of the same refund: only the first tells it.
	token := tori.RandomToken(6)
	code, _, err := s.runScript(ctx, "refund reported", refundReportedScript, keys, r.ID, r.Amount.Amount, r.Amount.Currency, total, r.Total.Currency, ms(now), token)
	if err != nil {
		return tori.Appointment{}, tori.RefundIgnored, err
	}
	if code == "NOTFOUND" {
		return tori.Appointment{}, tori.RefundIgnored, notFound()
	}

	out := map[string]tori.RefundOutcome{"OK": tori.RefundSettledNow, "SHORT": tori.RefundShort}[code]
	if out != tori.RefundIgnored {
		s.Redis.ZRem(ctx, s.pendingRefundsKey(), id)
	}
	a, err := s.Appointment(ctx, id)
	return a, out, err
}

// RefundFailed implements tori.PaymentStore.
func (s *Store) RefundFailed(ctx context.Context, id string, tries int, refused bool, now time.Time) (tori.Appointment, error) {
	keys, _, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, err
	}
	if _, _, err := s.runScript(ctx, "refund failed", refundFailedScript, keys, ms(now), boolField(refused), tries); err != nil {
		return tori.Appointment{}, err
	}
	return s.Appointment(ctx, id)
}

// PendingRefunds returns up to n appointment ids with a refund pending,
// oldest first (for the worker that retries them).
func (s *Store) PendingRefunds(ctx context.Context, n int64) ([]string, error) {
	ids, err := s.Redis.ZRange(ctx, s.pendingRefundsKey(), 0, n-1).Result()
	return ids, formatError("pending refunds", err)
}

// MarkNoShow implements tori.PaymentStore.
func (s *Store) MarkNoShow(ctx context.Context, id string, now time.Time) (tori.Appointment, error) {
	keys, tid, err := s.keysOf(id, false)
	if err != nil {
		return tori.Appointment{}, err
	}
	code, cur, err := s.runScript(ctx, "no-show", noShowScript, append(keys, s.remindKey(tid)), ms(now), id)
	if err != nil {
		return tori.Appointment{}, err
	}
	return s.result(ctx, id, code, tori.Errorf(tori.ECONFLICT, "This booking is %s and cannot be marked as a no-show.", cur))
}

// Strikes implements tori.ClientRecords.
func (s *Store) Strikes(ctx context.Context, clientID int64, since time.Time) (int, error) {
	n, err := s.Redis.ZCount(ctx, s.strikesKey(clientID), strconv.FormatInt(ms(since), 10), "+inf").Result()
	return int(n), formatError("strikes", err)
}

// AddStrike implements tori.ClientRecords.
func (s *Store) AddStrike(ctx context.Context, clientID int64, apptID string, at time.Time) error {
	err := s.Redis.ZAddNX(ctx, s.strikesKey(clientID), redis.Z{Score: float64(ms(at)), Member: apptID}).Err()
	return formatError("strike", err)
}

// Forgiveness implements tori.ClientRecords.
func (s *Store) Forgiveness(ctx context.Context, clientID int64) (string, error) {
	v, err := s.Redis.HGet(ctx, s.profileKey(clientID), "forgiven").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, formatError("forgiveness", err)
}

// ClaimForgiveness implements tori.ClientRecords.
func (s *Store) ClaimForgiveness(ctx context.Context, clientID int64, apptID string) (bool, error) {
	key := s.profileKey(clientID)
	set, err := s.Redis.HSetNX(ctx, key, "forgiven", apptID).Result()
	if err != nil {
		return false, formatError("forgiveness", err)
	}
	if set {
		return true, nil
	}

	// Set before: by this appointment, or by another.
	v, err := s.Forgiveness(ctx, clientID)
	return v == apptID, err
}
