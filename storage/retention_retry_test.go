package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// rerun runs a command carrying both args twice, as go-redis does when
// the first reply is lost: the caller sees the second run's reply.
type rerun struct{ args [2]string }

func (r *rerun) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *rerun) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		if r.match(c) {
			if err := next(ctx, c); err != nil {
				return err
			}
		}
		return next(ctx, c)
	}
}
func (r *rerun) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (r *rerun) match(c redis.Cmder) bool {
	n := 0
	for _, a := range c.Args() {
		if a == r.args[0] || a == r.args[1] {
			n++
		}
	}
	return n >= 2
}

// TestAnonymiseRetried: retention's script run twice for one call (its
// first reply lost) still cleans the client's side: the appointment
// leaves their index and strikes, and a client left with nothing is
// forgotten.
func TestAnonymiseRetried(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	now := t0.Add(-48 * time.Hour)
	a := mustBook(t, s, hold(101, 0, time.Hour, now), now)
	if err := s.RememberClient(ctx, a.Client, now); err != nil {
		t.Fatal(err)
	}
	if err := s.AddStrike(ctx, 101, a.ID, now); err != nil {
		t.Fatal(err)
	}
	s.Redis.AddHook(&rerun{args: [2]string{a.ID, "retain"}})
	later := a.End.AddDate(2, 0, 1)
	if _, err := s.Anonymise(ctx, a.ID, later, later); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Appointment(ctx, a.ID); err != nil || got.Erased.IsZero() || got.Client != (tori.Client{}) {
		t.Fatalf("not anonymised: %+v, %v", got, err)
	}
	if n, _ := s.Strikes(ctx, 101, time.Time{}); n != 0 {
		t.Fatalf("%d strikes left", n)
	}
	if as, _ := s.ClientAppointments(ctx, 101, time.Time{}); len(as) != 0 {
		t.Fatalf("still in the client's index: %v", as)
	}
	if n := s.Redis.Exists(ctx, s.Prefix+"{c:101}:profile", s.Prefix+"{c:101}:strikes", s.Prefix+"{c:101}:appts").Val(); n != 0 {
		t.Fatalf("%d of the client's keys left", n)
	}
}
