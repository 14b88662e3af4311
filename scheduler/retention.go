package scheduler

import (
	"context"
	"strconv"
	"time"

	"github.com/tori-bot/tori"
)

// retentionEvery is how often a retention pass runs (and how long its
// claim is kept once done).
const retentionEvery = time.Hour

// retain is the retention job: it anonymises the appointments that ended
// more than privacy.keep_personal ago and removes the money records older
// than privacy.keep_money_records (tori.Privacy.RetainAll). A pass is
// claimed for its hour, so one worker runs it, and each step is a
// compare-and-set besides. Forgettings of clients a crash cut short are
// finished first, at every run (tori.Privacy.FinishForgets).
func (w *Worker) retain(ctx context.Context) (int, error) {
	p := w.cfg.Privacy
	if p == nil {
		return 0, nil
	}
	finished, err := p.FinishForgets(ctx, w.cfg.Batch)
	if err != nil {
		return finished, err
	}

	st := w.cfg.Store
	id := strconv.FormatInt(w.now().Truncate(retentionEvery).Unix(), 10)
	claimed, err := st.Claim(ctx, "retention", id, 10*time.Minute)
	if err != nil || !claimed {
		return finished, err
	}
	r, err := p.RetainAll(ctx, w.cfg.Batch)
	did := finished + r.Anonymised + r.Removed + r.Forgotten
	if err != nil {
		_ = st.Forget(ctx, "retention", id) // the next run tries again
		return did, err
	}
	if r.Anonymised == w.cfg.Batch || r.Removed == w.cfg.Batch || r.Forgotten == w.cfg.Batch {
		// A full batch: there may be more, for the next run.
		return did, st.Forget(ctx, "retention", id)
	}
	return did, st.Finish(ctx, "retention", id, retentionEvery)
}

// finishErasures is the erasure job: it finishes what a client's erasure
// left (a process died midway) and sweeps each once more after
// tori.SweepAfter, from the erasure queue.
func (w *Worker) finishErasures(ctx context.Context) (int, error) {
	p := w.cfg.Privacy
	if p == nil {
		return 0, nil
	}

	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueErasures, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}

	finished := 0
	for _, c := range claims {
		if w.stopping(ctx) {
			break
		}
		client, perr := strconv.ParseInt(c.Member, 10, 64)
		if perr != nil {
			_, _ = st.Ack(ctx, tori.QueueErasures, "", c) // not ours to read: nothing to finish
			continue
		}
		done, next, err := p.ContinueErasure(ctx, client, w.cfg.Lease)
		switch {
		case err != nil:
			w.cfg.Log.Warn("erasure not finished yet; tried again in a minute", "err", err)
			next = w.now().Add(time.Minute)
		case done:
			finished++
			if _, err := st.Ack(ctx, tori.QueueErasures, "", c); err != nil {
				return finished, err
			}
			continue
		}
		// A step that moved the erasure on has queued it already; then the
		// claim is no longer ours, and this changes nothing.
		if _, err := st.Requeue(ctx, tori.QueueErasures, "", c, next); err != nil {
			return finished, err
		}
	}
	return finished, nil
}
