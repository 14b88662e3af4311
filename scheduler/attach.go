package scheduler

import (
	"context"

	"github.com/tori-bot/tori"
)

// finishAttaches is the job that finishes invite links whose claim a crash
// cut short: the client without Telegram's sessions not all moved to the
// Telegram account yet (tori.OfflineStore.FinishAttaches). Each step is
// idempotent, so a second worker doing the same does nothing twice.
func (w *Worker) finishAttaches(ctx context.Context) (int, error) {
	st, ok := w.cfg.Store.(tori.OfflineStore)
	if !ok {
		return 0, nil
	}
	return st.FinishAttaches(ctx, w.cfg.Batch, w.now())
}
