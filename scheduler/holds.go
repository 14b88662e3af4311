package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// Hold expiry. Every hold is in its therapist's expiry queue, scored by
// its end, from the script that takes it (renewals move it; confirming or
// releasing takes it out). Each run ends the holds whose time has run out,
// in time order, frees their time and tells the client. A hold whose
// payment is being captured is left to the payment (checked again in a
// minute).

func (w *Worker) expireHolds(ctx context.Context) (int, error) {
	ended := 0
	for _, t := range w.cfg.Practice.Therapists {
		claims, err := w.cfg.Store.ClaimDue(ctx, tori.QueueHoldExpiry, t.ID, w.now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			return ended, err
		}
		for _, c := range claims { // in due order
			ok, err := w.expire(ctx, t.ID, c)
			if err != nil {
				w.cfg.Log.Warn("hold expiry not finished; retried after its lease", "hold", c.Member, "err", err)
				continue
			}
			if ok {
				ended++
			}
		}
	}
	return ended, nil
}

func (w *Worker) expire(ctx context.Context, tid string, c tori.Claim) (bool, error) {
	st := w.cfg.Store
	a, fresh, err := st.ExpireHold(ctx, c.Member, w.now())
	switch {
	case tori.ErrorCode(err) == tori.ENOTFOUND:
		_, err = st.Ack(ctx, tori.QueueHoldExpiry, tid, c)
		return false, err
	case err != nil:
		return false, err
	}
	if a.Status == tori.StatusHeld { // renewed, or being paid: look again later
		due := a.HoldUntil
		if !due.After(w.now()) {
			due = w.now().Add(time.Minute)
		}
		_, err = st.Requeue(ctx, tori.QueueHoldExpiry, tid, c, due)
		return false, err
	}
	if fresh {
		if err := w.cfg.Notify.HoldExpired(ctx, a); err != nil && !unreachable(err) {
			return false, err
		}
	}
	_, err = st.Ack(ctx, tori.QueueHoldExpiry, tid, c)
	return fresh, err
}
