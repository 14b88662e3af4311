package tori

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// An erasure's steps after its check: erasing, the worker's later looks
// while appointments wait, and the sweep. The record keeps two times
// apart: Due, when the worker looks next, and Until, what the client is
// promised; while work remains, every look moves both on, so the promise
// is never in the past.

// erase runs the erasure's steps. When nothing is left it hands the
// erasure to the worker's sweep (the client is told now); when
// appointments changed since the check, they wait for the worker, who
// tells the client when it is done.
func (p *Privacy) erase(ctx context.Context, rec ErasureRecord, now time.Time) (Erasure, error) {
	left, err := p.Store.EraseClient(ctx, rec.Client, rec.Chat, p.Practice.Worker.RefundAttempts, now)
	if err != nil {
		return Erasure{}, err
	}
	if len(left) > 0 {
		p.log().Warn("erasure waits for appointments that changed since its check", "left", len(left))
		_, until, err := p.wait(ctx, rec, now)
		return Erasure{Waiting: true, Until: until}, err
	}

	due := now.Add(SweepAfter)
	until := later(rec.Until, due.Add(ErasureSlack))
	step := ErasureStep{From: ErasureErasing, To: ErasureSweep, Therapists: rec.Therapists, Due: due, Until: until, Told: true}
	if err := p.Store.AdvanceErasure(ctx, rec.Client, step); err != nil {
		return Erasure{}, err
	}
	p.count("erased", 1)
	return Erasure{Done: true, Therapists: rec.Therapists, Until: until}, nil
}

// wait leaves an erasure in its phase for the worker to look at again in a
// minute, and moves its promise on past that look (and, while erasing,
// past the sweep after it).
func (p *Privacy) wait(ctx context.Context, rec ErasureRecord, now time.Time) (next, until time.Time, err error) {
	next = now.Add(time.Minute)
	until = next.Add(ErasureSlack)
	if rec.Phase == ErasureErasing {
		until = until.Add(SweepAfter)
	}
	until = later(rec.Until, until)
	step := ErasureStep{From: rec.Phase, To: rec.Phase, Therapists: rec.Therapists, Due: next, Until: until}
	return next, until, p.Store.AdvanceErasure(ctx, rec.Client, step)
}

// ContinueErasure is the worker's step of an erasure under way: a check
// that was never finished (the process died) is dropped, an erasure cut
// short or waiting is finished, and one that is done is swept once more,
// the client told if it had to wait (Teller), and its record removed.
// done: nothing is left to do; else look again at next.
func (p *Privacy) ContinueErasure(ctx context.Context, clientID int64, lease time.Duration) (done bool, next time.Time, err error) {
	now := p.now()
	rec, err := p.Store.Erasure(ctx, clientID)
	if ErrorCode(err) == ENOTFOUND {
		return true, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, err
	}
	switch rec.Phase {
	case ErasureChecking:
		if now.Sub(rec.Started) < lease { // a check may still be running
			return false, rec.Started.Add(lease), nil
		}
		return true, time.Time{}, p.Store.AbortErasure(ctx, clientID)
	case ErasureErasing:
		return p.finishErasing(ctx, rec, now)
	}
	return p.sweep(ctx, rec, now)
}

// finishErasing erases what an erasure cut short or waiting has left, and
// hands it to the sweep; Tell stays, so the client is told in the end.
func (p *Privacy) finishErasing(ctx context.Context, rec ErasureRecord, now time.Time) (bool, time.Time, error) {
	left, err := p.Store.EraseClient(ctx, rec.Client, rec.Chat, p.Practice.Worker.RefundAttempts, now)
	if err != nil || len(left) > 0 {
		return p.tryAgain(ctx, rec, now, err)
	}
	due := now.Add(SweepAfter)
	step := ErasureStep{From: ErasureErasing, To: ErasureSweep, Therapists: rec.Therapists, Due: due, Until: due.Add(ErasureSlack)}
	if err := p.Store.AdvanceErasure(ctx, rec.Client, step); err != nil {
		return false, now.Add(time.Minute), err
	}
	p.count("erased", 1)
	return false, due, nil
}

// sweep erases, once its time has come, what a step in flight wrote back
// after the erasure; tells the client of an erasure that had to wait; and
// removes the record.
func (p *Privacy) sweep(ctx context.Context, rec ErasureRecord, now time.Time) (bool, time.Time, error) {
	if rec.Due.IsZero() {
		rec.Due = rec.Until // a record from before Due was kept
	}
	if now.Before(rec.Due) {
		return false, rec.Due, nil
	}
	left, err := p.Store.EraseClient(ctx, rec.Client, rec.Chat, p.Practice.Worker.RefundAttempts, now)
	if err == nil && len(left) == 0 {
		err = p.tell(ctx, rec)
	}
	if err != nil || len(left) > 0 {
		return p.tryAgain(ctx, rec, now, err)
	}
	return true, time.Time{}, p.Store.FinishErasure(ctx, rec.Client)
}

// tell tells the client that their erasure, which had to wait, is done
// (and the therapists); a chat that cannot be written to is not waited
// for. The telling keeps nothing: the record it read goes right after.
func (p *Privacy) tell(ctx context.Context, rec ErasureRecord) error {
	if rec.Tell == "" || p.Teller == nil {
		return nil
	}
	if err := p.Teller.ErasureDone(ctx, rec); err != nil && ErrorCode(err) != EFORBIDDEN {
		return err
	}
	return nil
}

// tryAgain is wait after a look that could not finish (cause, or
// appointments that still block).
func (p *Privacy) tryAgain(ctx context.Context, rec ErasureRecord, now time.Time, cause error) (bool, time.Time, error) {
	next, _, err := p.wait(ctx, rec, now)
	return false, next, errors.Join(cause, err)
}

func (p *Privacy) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
