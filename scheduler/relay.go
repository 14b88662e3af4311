package scheduler

import (
	"context"

	"github.com/tori-bot/tori"
)

// deliverRelays is the relay job. Messages written outside messaging
// hours wait in the relay queue, due when the hours begin; each is passed
// on once then. Messages Telegram did not take wait there too, a minute at
// a time: a client's message to the practice (a relay), or a notice to the
// therapist (Notifier.Resend).
func (w *Worker) deliverRelays(ctx context.Context) (int, error) {
	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueRelay, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range claims {
		r, err := tori.DecodeRelay(c.Member)
		if err == nil {
			err = w.cfg.Notify.Relay(ctx, r)
		} else {
			err = w.cfg.Notify.Resend(ctx, c.Member)
		}
		if err != nil && !unreachable(err) && tori.ErrorCode(err) != tori.EINVALID {
			w.cfg.Log.Warn("message not passed on yet; retried after its lease", "err", err)
			continue
		}
		if err == nil {
			sent++
		}
		if _, err := st.Ack(ctx, tori.QueueRelay, "", c); err != nil {
			return sent, err
		}
	}
	return sent, nil
}
