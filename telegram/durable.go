package telegram

import (
	"context"
	"errors"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/metrics"
)

// clockSkew is how far ahead of this process's clock the worker's may run.
const clockSkew = 10 * time.Second

// errWorkerHasIt: every notice of a message was claimed by the worker
// first; nothing was sent.
var errWorkerHasIt = errors.New("the worker sends these notices")

// hasRetry reports whether the worker can send r (its Retry member).
func hasRetry(r bot.Reply) bool { return r.Retry != "" }

// queueNotices makes notices to other chats survive the process: it writes
// the Retry members of the replies in rs that want says (and not queued
// yet) to the relay queue, due a minute later, in one round trip, and
// returns rs with Queued set on those. Once Telegram took one, it is taken
// out again (dequeue); if the process dies first, the worker finds it due
// and sends it (scheduler/relay.go). If Redis does not take them, rs is
// returned as it was: such a reply is queued only when Telegram does not
// take it. (A payment's telling writes its notices in its own round trip,
// bot.TellSettled.)
func (t *Telegram) queueNotices(ctx context.Context, rs []bot.Reply, want func(bot.Reply) bool) []bot.Reply {
	due := t.now().Add(bot.NoticeDue)
	var items []tori.Queued
	out := make([]bot.Reply, len(rs))
	for i, r := range rs {
		if r.Retry != "" && r.Queued.IsZero() && want(r) {
			r.Queued = due
			items = append(items, r.QueueItem())
		}
		out[i] = r
	}
	if len(items) == 0 {
		return rs
	}

	if err := t.store.EnqueueAll(ctx, items); err != nil {
		t.logFailure("queue notices for the worker", err, "notices", len(items))
		return rs
	}
	return out
}

// dequeue takes the queued replies in rs out of the relay queue: Telegram
// took them, or refused them for good. It tries again for a few seconds
// (a notice left behind would be sent again by the worker).
func (t *Telegram) dequeue(ctx context.Context, rs []bot.Reply) {
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
		err := t.store.Dequeue(ctx, tori.QueueRelay, "", members...)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.logFailure("take sent notices out of the worker's queue", err, "notices", len(members))
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// late reports whether the worker may find r due before a send that
// starts now is sure to be over (outboxSendWithin bounds it).
func (t *Telegram) late(r bot.Reply) bool {
	return !r.Queued.IsZero() && !t.now().Add(outboxSendWithin+clockSkew).Before(r.Queued)
}

// retake returns the items of batch that may be sent: those not queued or
// not late, and the late ones taken back from the worker's queue (claimed
// for a minute: if this process dies, the worker sends them then). The
// others the worker claimed first, or Redis could not say: the worker
// sends them. Taking back is a compare-and-set against the worker's claim
// (Store.Retake), so a notice held near its due time (waiting out 429s)
// never goes twice.
func (o *outbox) retake(ctx context.Context, batch []outItem) []outItem {
	t := o.t
	isLate := make([]bool, len(batch))
	var late []tori.Queued
	for i, it := range batch {
		if isLate[i] = t.late(it.r); isLate[i] {
			late = append(late, it.r.QueueItem())
		}
	}
	if len(late) == 0 {
		return batch
	}

	taken, err := t.store.Retake(ctx, late, t.now(), bot.NoticeDue)
	if err != nil {
		t.logFailure("take late notices back from the worker", err, "notices", len(late))
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
