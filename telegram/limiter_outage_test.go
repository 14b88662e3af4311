package telegram

import (
	"context"
	"testing"
	"time"
)

// TestLimiterHoldsBackTimesBookedBeforeA429: a sender waiting for a time it
// booked before another sender's 429 does not go out at that time: it
// waits out retry_after like everyone else.
func TestLimiterHoldsBackTimesBookedBeforeA429(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	now := t0
	var l *Limiter
	sleeps := 0
	l = &Limiter{Rate: 1, Now: func() time.Time { return now }, Sleep: func(_ context.Context, at time.Time) error {
		if sleeps++; sleeps == 1 {
			l.Backoff(1, 7*time.Second) // chat 1's message, sent at t0, comes back 429
		}
		now = at
		return nil
	}}
	if err := l.Wait(context.Background(), 1); err != nil || !now.Equal(t0) {
		t.Fatalf("the first message waited: %v %v", now.Sub(t0), err)
	}
	// Chat 2's message is booked a second later (one a second overall), and waits for it.
	if err := l.Wait(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if now.Before(t0.Add(7 * time.Second)) {
		t.Fatalf("chat 2 went out %v after a 429 with retry_after=7s", now.Sub(t0))
	}
	// A 429 holds everyone back without booking time in chat 0.
	l.Backoff(0, time.Second)
	if _, ok := l.chats[0]; ok {
		t.Fatal("chat 0 recorded")
	}
	if r := l.Reserve(3); r.Before(now.Add(time.Second)) {
		t.Fatalf("a 5xx pause not honoured: %v", r.Sub(now))
	}
}

func TestServerError(t *testing.T) {
	for msg, want := range map[string]bool{
		"error response from telegram for method sendMessage, 500 Internal Server Error": true,
		"error response from telegram for method sendMessage, 502 Bad Gateway":           true,
		"error do request for method sendMessage, dial tcp: connection refused":          true,
		"bad request, Bad Request: chat not found":                                       false,
		"error response from telegram for method sendMessage, 420 Flood":                 false,
		"error response from telegram for method sendMessage, 5":                         false,
	} {
		if got := serverError(errorString(msg)); got != want {
			t.Errorf("%q: %v", msg, got)
		}
	}
	if serverError(nil) {
		t.Error("nil")
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
