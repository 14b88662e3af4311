package scheduler

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// offerFreedTimes is the job of the waitlist's offer chains. Each time
// that came free is an item of the waitlist queue; a run claims the due
// ones and takes the next step of each (tori.Bookings.AdvanceFreeing): an
// offer to the next client in line, sent once (a claim per offer, finished
// after the send), or the end of the chain, when the therapist is told
// nobody took it. An item with an offer out comes due again when the
// offer's window ends; declining or letting it run out puts it due at once.
// (Entries whose days have passed end in endWaitEntries, and their clients
// are told once.)
func (w *Worker) offerFreedTimes(ctx context.Context) (int, error) {
	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueWaitlist, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}

	offers := 0
	for _, c := range claims {
		if w.stopping(ctx) {
			return offers, nil
		}
		sent, err := w.offerStep(ctx, c)
		switch {
		case tori.ErrorCode(err) == tori.ECONFLICT:
			w.cfg.Log.Debug("waitlist step overlapped another; retried after its lease", "freed", c.Member)
		case err != nil:
			w.cfg.Log.Warn("waitlist step not finished; retried after its lease", "freed", c.Member, "err", err)
		}
		offers += sent
	}
	return offers, nil
}

// offerStep takes the next step of the freed time of claim c, sends the
// offer it makes, tells the therapist when the chain ended unfilled, and
// queues the item again for when the step waits until; sent counts the
// offers sent.
func (w *Worker) offerStep(ctx context.Context, c tori.Claim) (sent int, err error) {
	st := w.cfg.Store
	step, err := w.cfg.Bookings.AdvanceFreeing(ctx, c.Member)
	if err != nil {
		return 0, err
	}

	if a := step.Offer; a.ID != "" {
		if sent, err = w.sendOffer(ctx, a); err != nil {
			return 0, err
		}
	}
	if f := step.Freeing; f.State == tori.FreeingUnfilled {
		if err := w.tellUnfilled(ctx, f); err != nil {
			return sent, err
		}
	}

	if !step.WaitUntil.IsZero() {
		_, err = st.Requeue(ctx, tori.QueueWaitlist, "", c, step.WaitUntil)
		return sent, err
	}
	_, err = st.Ack(ctx, tori.QueueWaitlist, "", c)
	return sent, err
}

// sendOffer sends the offer a to its client, once (a claim per offer,
// finished after the send); one who blocked the bot has it withdrawn, for
// the next in line at once. sent is 1 when it went out now.
func (w *Worker) sendOffer(ctx context.Context, a tori.Appointment) (sent int, err error) {
	st := w.cfg.Store
	ok, err := st.Claim(ctx, "offer", a.ID, w.cfg.Lease)
	if err != nil || !ok { // sent already, or somebody else is sending it
		return 0, err
	}

	err = w.cfg.Notify.Offer(ctx, a)
	switch {
	case err == nil:
		sent = 1
		w.cfg.Bookings.Count("waitlist", "offered")
	case unreachable(err): // they blocked the bot: the next in line, at once
		if err := w.cfg.Bookings.WithdrawOffer(ctx, a); err != nil {
			_ = st.Forget(ctx, "offer", a.ID)
			return 0, err
		}
	default:
		_ = st.Forget(ctx, "offer", a.ID)
		return 0, err
	}

	if err := st.Finish(ctx, "offer", a.ID, 7*24*time.Hour); err != nil {
		return 0, err
	}
	return sent, nil
}

// tellUnfilled tells the therapist, once, that nobody took the freed time f.
func (w *Worker) tellUnfilled(ctx context.Context, f tori.Freeing) error {
	st := w.cfg.Store
	marker := "unfilled:" + f.ID
	done, err := st.Marked(ctx, marker)
	if err != nil || done {
		return err
	}

	if err := w.cfg.Notify.OfferUnfilled(ctx, f); err != nil && !unreachable(err) {
		return err // told after the lease
	}
	if _, err := st.MarkOnce(ctx, marker, 7*24*time.Hour); err != nil {
		return err
	}
	w.cfg.Bookings.Count("waitlist", "unfilled")
	return nil
}

// endWaitEntries ends the entries whose days have passed.
func (w *Worker) endWaitEntries(ctx context.Context) (int, error) {
	st := w.cfg.Store
	claims, err := st.ClaimDue(ctx, tori.QueueWaitEnd, "", w.now(), w.cfg.Lease, w.cfg.Batch)
	if err != nil {
		return 0, err
	}

	ended := 0
	for _, c := range claims {
		if w.stopping(ctx) {
			return ended, nil
		}
		e, err := w.cfg.Bookings.Store.WaitEntry(ctx, c.Member)
		switch {
		case tori.ErrorCode(err) == tori.ENOTFOUND:
		case err != nil:
			w.cfg.Log.Warn("waitlist entry not ended yet", "entry", c.Member, "err", err)
			continue
		default:
			told, err := w.endWaitEntry(ctx, e)
			if err != nil {
				return ended, err
			}
			if !told {
				continue // tried again after the lease
			}
			ended++
		}

		// Ended now, or gone already: off the queue.
		if _, err := st.Ack(ctx, tori.QueueWaitEnd, "", c); err != nil {
			return ended, err
		}
	}
	return ended, nil
}

// endWaitEntry tells the client, once, that the entry e has ended, and
// then takes it off; told is false when the message did not go out.
func (w *Worker) endWaitEntry(ctx context.Context, e tori.WaitEntry) (told bool, err error) {
	st := w.cfg.Store
	marker := "waitend:" + e.ID
	done, err := st.Marked(ctx, marker)
	if err != nil {
		return false, err
	}

	if !done {
		if err := w.cfg.Notify.WaitlistEnded(ctx, e); err != nil && !unreachable(err) {
			w.cfg.Log.Warn("waitlist entry ended, client not told yet", "entry", e.ID, "err", err)
			return false, nil
		}
		if _, err := st.MarkOnce(ctx, marker, 7*24*time.Hour); err != nil {
			return false, err
		}
	}
	return true, w.cfg.Bookings.Store.RemoveWaitEntry(ctx, e.ID)
}
