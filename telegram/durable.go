package bot

import (
	"context"
	"errors"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
)

// Notices to other chats survive the process. Before the outbox gets one,
// its Retry member is written to the relay queue (tori.QueueRelay), due a
// minute later (Reply.Queued), in a round trip the turn already makes
// where it can (a payment's telling, PaymentTold) or in one of its own
// after the answer. Once Telegram took the notice, it is taken out again
// (dequeue); if the process dies first, the worker finds it due and sends
// it (scheduler/relay.go).
//
// A notice the outbox still holds near its due time (waiting out 429s) is
// taken back from the queue first (Store.Retake, a compare-and-set against
// the worker's claim): whoever claims it first sends it, and the other
// drops it, so it never goes twice.

// noticeDue is how long after it is handed over a queued notice comes due
// at the worker.
const noticeDue = time.Minute

// clockSkew is how far ahead of this process's clock the worker's may run.
const clockSkew = 10 * time.Second

// errWorkerHasIt: every notice of a message was claimed by the worker
// first; nothing was sent.
var errWorkerHasIt = errors.New("the worker sends these notices")

// hasRetry reports whether the worker can send r (its Retry member).
func hasRetry(r Reply) bool { return r.Retry != "" }

// queueNotices writes the Retry members of the replies in rs that want
// says (and not queued yet) to the relay queue, in one round trip, and
// returns rs with Queued set on those. If Redis does not take them, rs is
// returned as it was: such a reply is queued only when Telegram does not
// take it, as before.
func (b *Bot) queueNotices(ctx context.Context, rs []Reply, want func(Reply) bool) []Reply {
	due := b.now().Add(noticeDue)
	var items []tori.Queued
	out := make([]Reply, len(rs))
	for i, r := range rs {
		if r.Retry != "" && r.Queued.IsZero() && want(r) {
			r.Queued = due
			items = append(items, queuedItem(r))
		}
		out[i] = r
	}
	if len(items) == 0 {
		return rs
	}
	if err := b.store.EnqueueAll(ctx, items); err != nil {
		b.logFailure("queue notices for the worker", err, "notices", len(items))
		return rs
	}
	return out
}

// dueNotices marks rs as queued a minute from now, for a caller that
// writes them itself (queuedItems) in a round trip it makes anyway.
func (b *Bot) dueNotices(rs []Reply) []Reply {
	due := b.now().Add(noticeDue)
	out := make([]Reply, len(rs))
	for i, r := range rs {
		if r.Retry != "" {
			r.Queued = due
		}
		out[i] = r
	}
	return out
}

// unqueued is rs without their Queued marks (their write failed).
func unqueued(rs []Reply) []Reply {
	out := make([]Reply, len(rs))
	for i, r := range rs {
		r.Queued = time.Time{}
		out[i] = r
	}
	return out
}

// queuedItems are the queue items of the queued replies in rs.
func queuedItems(rs []Reply) []tori.Queued {
	var items []tori.Queued
	for _, r := range rs {
		if !r.Queued.IsZero() {
			items = append(items, queuedItem(r))
		}
	}
	return items
}

func queuedItem(r Reply) tori.Queued {
	return tori.Queued{Queue: tori.QueueRelay, Member: r.Retry, Due: r.Queued}
}

// dequeue takes the queued replies in rs out of the relay queue: Telegram
// took them, or refused them for good. It tries again for a few seconds
// (a notice left behind would be sent again by the worker).
func (b *Bot) dequeue(ctx context.Context, rs []Reply) {
	var members []string
	for _, r := range rs {
		if !r.Queued.IsZero() {
			members = append(members, r.Retry)
		}
	}
	if len(members) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for {
		err := b.store.Dequeue(ctx, tori.QueueRelay, "", members...)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			b.logFailure("take sent notices out of the worker's queue", err, "notices", len(members))
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// late reports whether the worker may find r due before a send that
// starts now is sure to be over (outboxSendWithin bounds it).
func (b *Bot) late(r Reply) bool {
	return !r.Queued.IsZero() && !b.now().Add(outboxSendWithin+clockSkew).Before(r.Queued)
}

// retake returns the items of batch that may be sent: those not queued or
// not late, and the late ones taken back from the worker's queue (claimed
// for a minute: if this process dies, the worker sends them then). The
// others the worker claimed first, or Redis could not say: the worker
// sends them.
func (o *outbox) retake(ctx context.Context, batch []outItem) []outItem {
	b := o.t.bot
	isLate := make([]bool, len(batch))
	var late []tori.Queued
	for i, it := range batch {
		if isLate[i] = b.late(it.r); isLate[i] {
			late = append(late, queuedItem(it.r))
		}
	}
	if len(late) == 0 {
		return batch
	}
	taken, err := b.store.Retake(ctx, late, b.now(), noticeDue)
	if err != nil {
		b.logFailure("take late notices back from the worker", err, "notices", len(late))
	}
	keep := make([]outItem, 0, len(batch))
	n := 0
	for i, it := range batch {
		if !isLate[i] {
			keep = append(keep, it)
			continue
		}
		won := err == nil && taken[n]
		n++
		if won {
			keep = append(keep, it)
			metrics.NoticesLate.WithLabelValues("outbox").Inc()
		} else {
			metrics.NoticesLate.WithLabelValues("worker").Inc()
		}
	}
	return keep
}
