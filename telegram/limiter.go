package telegram

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// Limiter spaces outgoing Telegram messages: at most Rate in any one
// second overall, and in each chat a token bucket (Burst messages at once, then
// one per PerChat), as Telegram asks: "avoid sending more than one message
// per second" in a chat, "short bursts" allowed. The bucket applies to new
// messages; an edit that answers the user's own button press counts
// overall only, so the chat stays snappy. It hands out send times in order
// (a reservation), so a burst drains at the limit instead of bouncing off
// 429s; a 429 pushes the next times back by its retry_after. The clock is
// injected so tests measure rates without waiting.
type Limiter struct {
	Rate    float64       // messages per second overall (default 25)
	PerChat time.Duration // sustained spacing within one chat (default 1 s)
	Burst   int           // messages one chat may get at once (default 3)
	Now     func() time.Time
	// Sleep waits until t or ctx ends (default: a timer).
	Sleep func(ctx context.Context, t time.Time) error

	mu     sync.Mutex
	slots  []time.Time         // reserved send times, in order (the overall timeline)
	hold   time.Time           // nothing overall before this (a 429)
	chats  map[int64]time.Time // per chat, the bucket's theoretical arrival time (GCRA): full when not after now
	pruned time.Time
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// window is the overall limit as n sends in any window of length w: Rate
// in any second (n = 25, w = 1 s by default; a rate below one a second is
// one send per 1/Rate).
func (l *Limiter) window() (n int, w time.Duration) {
	r := l.Rate
	if r <= 0 {
		r = 25
	}
	n = max(1, int(min(r, 1e9)))
	return n, time.Duration(float64(n) / r * float64(time.Second))
}

func (l *Limiter) perChat() time.Duration {
	if l.PerChat <= 0 {
		return time.Second
	}
	return l.PerChat
}

// tolerance is how far ahead of the sustained pace a chat's bucket lets a
// message go: Burst-1 spacings.
func (l *Limiter) tolerance() time.Duration {
	b := l.Burst
	if b <= 0 {
		b = 3
	}
	return time.Duration(b-1) * l.perChat()
}

// Reserve returns when a message to chat may go out, and books that time
// (chat 0: counted overall only): the earliest time the chat's bucket
// allows at which the overall timeline keeps every second to Rate sends.
// A message for an idle chat is not held up behind a busy chat's later
// messages.
func (l *Limiter) Reserve(chat int64) time.Time { return l.reserve(chat, false) }

// reserve is Reserve; a yielding send (see yielding) keeps a fifth of every
// window free for the others.
func (l *Limiter) reserve(chat int64, yield bool) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	n, w := l.window()
	if yield && n >= 5 {
		n -= n / 5
	}
	if l.chats == nil {
		l.chats = map[int64]time.Time{}
	}

	// Forget what no window from now on reaches.
	k := sort.Search(len(l.slots), func(i int) bool { return l.slots[i].After(now.Add(-w)) })
	l.slots = l.slots[k:]

	// The earliest time a 429's hold and the chat's bucket allow, then the
	// first one that fits the overall timeline.
	t := now
	if l.hold.After(t) {
		t = l.hold
	}
	if c := l.chats[chat].Add(-l.tolerance()); chat != 0 && c.After(t) {
		t = c
	}
	t, i := fit(l.slots, t, n, w)
	l.slots = slices.Insert(l.slots, i, t)
	if chat != 0 {
		l.chats[chat] = later(l.chats[chat], t).Add(l.perChat())
	}

	// Now and then, forget the chats whose bucket is full again.
	if now.Sub(l.pruned) > time.Minute {
		for k, v := range l.chats {
			if v.Before(now) {
				delete(l.chats, k)
			}
		}
		l.pruned = now
	}
	return t
}

// fit returns the earliest time from t at which one more send keeps every
// window of length w on the timeline s (sorted) to n sends, and where it
// goes in s. A window of n+1 sends, t among them, shorter than w moves t:
// past the window's first send by w when t is its last, else past its last.
func fit(s []time.Time, t time.Time, n int, w time.Duration) (time.Time, int) {
	for {
		i := sort.Search(len(s), func(k int) bool { return s[k].After(t) })
		// at is the k-th send of the timeline with t at i.
		at := func(k int) time.Time {
			switch {
			case k < i:
				return s[k]
			case k == i:
				return t
			}
			return s[k-1]
		}

		// The first window of n+1 sends shorter than w moves t past it.
		moved := false
		for j := max(0, i-n); j <= i && j+n <= len(s); j++ {
			if first, last := at(j), at(j+n); last.Sub(first) < w {
				if j+n == i {
					t = first.Add(w)
				} else {
					t = last
				}
				moved = true
				break
			}
		}
		if !moved {
			return t, i
		}
	}
}

// Wait blocks until a message to chat may go out. A 429 that arrives
// while it waits (Backoff) holds it back too: a time booked before the
// 429 is not kept, so the messages queued behind one refused message do
// not all go out, and all get refused, inside retry_after. A ctx marked
// yielding takes at most four fifths of any second's overall budget.
func (l *Limiter) Wait(ctx context.Context, chat int64) error {
	yield := ctx.Value(yieldKey{}) != nil
	for {
		t := l.reserve(chat, yield)
		if t.After(l.now()) {
			if err := l.sleep(ctx, t); err != nil {
				return err
			}
		}
		l.mu.Lock()
		held := l.hold.After(l.now())
		l.mu.Unlock()
		if !held {
			return nil
		}
	}
}

type yieldKey struct{}

// yielding marks the sends made with ctx as yielding to the answers to
// people who acted: notices to other chats take at most four fifths of any
// second's overall budget, so a busy second still has room for answers.
func yielding(ctx context.Context) context.Context {
	return context.WithValue(ctx, yieldKey{}, true)
}

func (l *Limiter) sleep(ctx context.Context, t time.Time) error {
	if l.Sleep != nil {
		return l.Sleep(ctx, t)
	}
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Backoff records a 429: nothing goes out (overall, and to chat) before
// retry_after has passed. Chat 0 holds back everyone only (Telegram
// failing on its side).
func (l *Limiter) Backoff(chat int64, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.now().Add(retryAfter)
	if l.hold.Before(until) {
		l.hold = until
	}
	if chat == 0 {
		return
	}
	if l.chats == nil {
		l.chats = map[int64]time.Time{}
	}
	// The bucket is empty then: one message at until, the next a spacing later.
	if at := until.Add(l.tolerance()); l.chats[chat].Before(at) {
		l.chats[chat] = at
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
