package bot

import (
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
	span := times[n-1].Sub(times[0])
	rate := float64(n-1) / span.Seconds()
	if rate < 0.95*25 || rate > 25.0001 {
		t.Fatalf("achieved %.2f messages/s, want 25", rate)
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
	want := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second}
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
		if at := l.Reserve(1); at.Sub(now) > 2*time.Millisecond {
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
	if c := l.Reserve(2); c.Sub(a) != 40*time.Millisecond {
		t.Fatalf("another chat waits %v, want the global 40ms", c.Sub(a))
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
