package bot

import (
	"testing"
	"time"
)

// TestLimiterRates books 10,000 messages over 500 chats on a fake clock and
// checks the send times: never more than the global rate in any second,
// never two in one chat within a second.
func TestLimiterRates(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Now: func() time.Time { return t0 }}
	const n, chats = 10000, 500
	times := make([]time.Time, n)
	last := map[int64]time.Time{}
	for i := range n {
		chat := int64(i % chats)
		times[i] = l.Reserve(chat)
		if p, ok := last[chat]; ok && times[i].Sub(p) < time.Second {
			t.Fatalf("chat %d: two messages %v apart", chat, times[i].Sub(p))
		}
		last[chat] = times[i]
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

func TestLimiterOneChatAndBackoff(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	l := &Limiter{Rate: 25, Now: func() time.Time { return now }}
	a := l.Reserve(1)
	b := l.Reserve(1)
	if b.Sub(a) != time.Second {
		t.Fatalf("one chat: %v apart", b.Sub(a))
	}
	if c := l.Reserve(2); c.Sub(a) != 40*time.Millisecond {
		t.Fatalf("another chat waits %v, want the global 40ms", c.Sub(a))
	}
	l.Backoff(3, 7*time.Second)
	if d := l.Reserve(4); d.Before(now.Add(7 * time.Second)) {
		t.Fatalf("a 429's retry_after was not honoured: %v", d.Sub(now))
	}
}
