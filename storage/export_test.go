package storage

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// For the benchmarks of package storage_test: the slot-taking script, its
// source and its arguments, exactly as Hold runs them.

const HoldLua = holdLua

func (s *Store) Take(ctx context.Context, a tori.Appointment, now time.Time) (string, error) {
	return s.take(ctx, a, now)
}

func Encode(a tori.Appointment) []any { return encode(a) }

// TakeKeys are the slot-taking script's keys for therapist tid and
// appointment id.
func (s *Store) TakeKeys(tid, id string) []string {
	return []string{s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.appointmentKey(tid, id), s.holdExpiryKey(tid)}
}

// ClientHoldsKey is the client's holds (the per-client hold cap).
func (s *Store) ClientHoldsKey(client int64) string { return s.clientHoldsKey(client) }
