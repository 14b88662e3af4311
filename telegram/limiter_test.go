package telegram

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// TestLimiterRates books 10,000 messages over 500 chats on a fake clock and
// checks the send times: never more than the global rate in any second,
// never more in one chat than its bucket allows (3 at once, then one a
// second).
func TestLimiterRates(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Now: func() time.Time { return t0 }}
	const n, chats = 10000, 500
	times := make([]time.Time, n)
	sent := map[int64][]time.Time{}
	for i := range n {
		chat := int64(i % chats)
		times[i] = l.Reserve(chat)
		sent[chat] = append(sent[chat], times[i])
	}
	for chat, ts := range sent {
		checkBucket(t, chat, ts, 3, time.Second)
	}
	// Sliding one-second windows hold at most 25 sends.
	for i := 25; i < n; i++ {
		if times[i].Sub(times[i-25]) < time.Second {
			t.Fatalf("26 sends within %v", times[i].Sub(times[i-25]))
		}
	}
	// And they keep up with it: 25 every second.
	if span, want := times[n-1].Sub(times[0]), time.Duration(n/25-1)*time.Second; span != want {
		t.Fatalf("%d messages took %v, want %v", n, span, want)
	}
}

// checkBucket fails unless every run of messages in ts (in order) keeps to
// a bucket of burst messages refilled one per every: k+1 messages span at
// least (k+1-burst) spacings.
func checkBucket(t *testing.T, chat int64, ts []time.Time, burst int, every time.Duration) {
	t.Helper()
	for i := range ts {
		for j := i + burst; j < len(ts); j++ {
			if min := time.Duration(j-i+1-burst) * every; ts[j].Sub(ts[i]) < min {
				t.Fatalf("chat %d: %d messages within %v, want at least %v", chat, j-i+1, ts[j].Sub(ts[i]), min)
			}
		}
	}
}

// TestLimiterChatBurst: a chat gets three messages at once (an answer right
// after the bot's last message does not wait), then one a second; an idle
// second gives one back.
func TestLimiterChatBurst(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	now := t0
	l := &Limiter{Rate: 1000, Now: func() time.Time { return now }}
	var got []time.Duration
	for range 6 {
		got = append(got, l.Reserve(1).Sub(t0))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("send times %v, want %v", got, want)
		}
	}
	// Quiet until 4.5 s: the bucket has one and a half again.
	now = t0.Add(4500 * time.Millisecond)
	if a, b := l.Reserve(1), l.Reserve(1); !a.Equal(now) || b.Sub(now) != 500*time.Millisecond {
		t.Fatalf("after a pause: %v and %v from now", a.Sub(now), b.Sub(now))
	}
	// Quiet for long enough: the whole burst again.
	now = now.Add(10 * time.Second)
	for i := range 3 {
		if at := l.Reserve(1); !at.Equal(now) {
			t.Fatalf("message %d of a fresh burst waits %v", i+1, at.Sub(now))
		}
	}
}

func TestLimiterOneChatAndBackoff(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Burst: 1, Now: func() time.Time { return now }}
	a := l.Reserve(1)
	b := l.Reserve(1)
	if b.Sub(a) != time.Second {
		t.Fatalf("one chat, no burst: %v apart", b.Sub(a))
	}
	if c := l.Reserve(2); !c.Equal(a) {
		t.Fatalf("another chat waits %v", c.Sub(a))
	}
	// 25 in any second overall: the 26th message of this second waits for the next.
	for i := range 23 {
		if at := l.Reserve(int64(10 + i)); !at.Equal(now) {
			t.Fatalf("message %d of the second waits %v", i+3, at.Sub(now))
		}
	}
	if at := l.Reserve(50); at.Sub(now) != time.Second {
		t.Fatalf("the 26th message of a second goes %v later", at.Sub(now))
	}
	l.Backoff(3, 7*time.Second)
	if d := l.Reserve(4); d.Before(now.Add(7 * time.Second)) {
		t.Fatalf("a 429's retry_after was not honoured: %v", d.Sub(now))
	}
}

// TestLimiterBackoffEmptiesTheBucket: after a 429 in a chat, its next
// message goes at retry_after and the one after a spacing later, not a
// burst.
func TestLimiterBackoffEmptiesTheBucket(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 1000, Now: func() time.Time { return now }}
	l.Backoff(1, 5*time.Second)
	a, b := l.Reserve(1), l.Reserve(1)
	if a.Sub(now) != 5*time.Second || b.Sub(a) != time.Second {
		t.Fatalf("after a 429 (retry_after 5 s): %v, then %v later", a.Sub(now), b.Sub(a))
	}
}

// TestLimiterRandomTraffic books messages at random moments for a few busy
// and many idle chats (some booked ahead by their chat's bucket) and checks
// every send time against both limits.
func TestLimiterRandomTraffic(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Now: func() time.Time { return now }}
	var all []time.Time
	sent := map[int64][]time.Time{}
	for range 20000 {
		now = now.Add(time.Duration(rnd.IntN(60)) * time.Millisecond)
		chat := int64(1 + rnd.IntN(3)) // three busy chats...
		if rnd.IntN(2) == 0 {
			chat = int64(100 + rnd.IntN(5000)) // ...and many others
		}
		at := l.Reserve(chat)
		if at.Before(now) {
			t.Fatalf("booked in the past: %v", at.Sub(now))
		}
		all = append(all, at)
		sent[chat] = append(sent[chat], at)
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	for i := 25; i < len(all); i++ {
		if all[i].Sub(all[i-25]) < time.Second {
			t.Fatalf("26 sends within %v", all[i].Sub(all[i-25]))
		}
	}
	for chat, ts := range sent {
		checkBucket(t, chat, ts, 3, time.Second)
	}
}

// TestFitIsEarliest: on random timelines, fit's time keeps every window
// to n sends, and no earlier time from the asked one does: the earliest
// is the asked time, a send's time (going after it) or a send's time plus
// the window, so each of those is tried.
func TestFitIsEarliest(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const n, w = 4, time.Second
	ok := func(s []time.Time, c time.Time) bool {
		i := sort.Search(len(s), func(k int) bool { return s[k].After(c) })
		s2 := slices.Insert(slices.Clone(s), i, c)
		for j := 0; j+n < len(s2); j++ {
			if s2[j+n].Sub(s2[j]) < w {
				return false
			}
		}
		return true
	}
	for round := range 300 {
		base := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
		var s []time.Time
		for range 1 + rnd.IntN(30) {
			at, i := fit(s, base.Add(time.Duration(rnd.IntN(4000))*time.Millisecond), n, w)
			s = slices.Insert(s, i, at)
		}
		from := base.Add(time.Duration(rnd.IntN(5000)) * time.Millisecond)
		got, _ := fit(s, from, n, w)
		cands := []time.Time{from}
		for _, x := range s {
			cands = append(cands, x, x.Add(w))
		}
		slices.SortFunc(cands, func(a, b time.Time) int { return a.Compare(b) })
		for _, c := range cands {
			if c.Before(from) || !ok(s, c) {
				continue
			}
			if !c.Equal(got) {
				t.Fatalf("round %d: fit gave %v, but %v is free (from %v)", round, got.Sub(base), c.Sub(base), from.Sub(base))
			}
			break
		}
		if !ok(s, got) {
			t.Fatalf("round %d: %v breaks a window", round, got.Sub(base))
		}
	}
}

// TestLimiterYieldsToAnswers: notices take at most 20 of a second's 25
// sends; an answer in that second still goes at once.
func TestLimiterYieldsToAnswers(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Now: func() time.Time { return now }}
	var at []time.Duration
	for i := range 21 {
		at = append(at, l.reserve(int64(100+i), true).Sub(now))
	}
	if at[19] != 0 || at[20] != time.Second {
		t.Fatalf("notices at %v", at)
	}
	for i := range 5 {
		if got := l.Reserve(int64(200 + i)); !got.Equal(now) {
			t.Fatalf("answer %d waits %v behind notices", i+1, got.Sub(now))
		}
	}
	if got := l.Reserve(300); got.Sub(now) != time.Second {
		t.Fatalf("the 26th send of a second went %v later", got.Sub(now))
	}
}
