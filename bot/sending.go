package bot

import (
	"errors"
	"fmt"
	"time"

	"github.com/tori-bot/tori"
)

// ErrUnreachable is a chat the bot may not write to (the user blocked the
// bot, or never started it). A sender wraps its failure in it.
var ErrUnreachable = errors.New("telegram chat unreachable")

// ErrRefused is a message Telegram refused as it is (malformed, too long):
// sending it again would not help. A sender wraps its failure in it.
var ErrRefused = errors.New("telegram refused the message")

// ErrWithheld is a message to a client without Telegram (or to no chat):
// never sent, and unreachable for good.
var ErrWithheld = fmt.Errorf("%w: a client without Telegram is never messaged", ErrUnreachable)

// final reports a failed send that sending again would not change: the
// chat cannot be written to, or Telegram refused the request itself.
func final(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrRefused)
}

// NoticeDue is how long after it is handed over a queued notice comes due
// at the worker (Reply.Queued).
const NoticeDue = time.Minute

// QueueItem is r's entry in the worker's relay queue: its Retry member,
// due at r.Queued.
func (r Reply) QueueItem() tori.Queued {
	return tori.Queued{Queue: tori.QueueRelay, Member: r.Retry, Due: r.Queued}
}

// dueNotices marks rs as queued a minute from now, for a caller that
// writes them itself (queuedItems) in a round trip it makes anyway.
func (b *Bot) dueNotices(rs []Reply) []Reply {
	due := b.now().Add(NoticeDue)
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
			items = append(items, r.QueueItem())
		}
	}
	return items
}
