package storage

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// weeklySeries is client's series of n weekly hours of therapist adi from
// first, held until holdUntil (booked at once when zero).
func weeklySeries(client int64, first time.Time, n int, holdUntil, now time.Time) (tori.Series, []tori.Appointment) {
	sr := tori.Series{ID: tori.NewSeriesID("adi"), Rule: tori.SeriesRule{TherapistID: "adi", ServiceID: "s", First: first, Every: 1, Count: n},
		Status: tori.StatusHeld, Token: tori.RandomToken(12), HoldUntil: holdUntil, Next: n, CreatedAt: now, UpdatedAt: now}
	status := tori.StatusHeld
	if holdUntil.IsZero() {
		sr.Status, sr.Rule.ByPractice, status = tori.StatusConfirmed, true, tori.StatusConfirmed
	}
	occs := make([]tori.Appointment, n)
	for k := range occs {
		st := first.AddDate(0, 0, 7*k)
		occs[k] = tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
			Client: tori.Client{ID: client, ChatID: client, Name: "Dana"}, Start: st, End: st.Add(50 * time.Minute),
			Buffer: 10 * time.Minute, Status: status, HoldToken: sr.Token, HoldUntil: holdUntil,
			Series: sr.ID, SeriesN: k, CreatedAt: now, UpdatedAt: now}
		sr.Taken = append(sr.Taken, tori.SeriesEntry{Week: k, ID: occs[k].ID})
	}
	return sr, occs
}

// TestSeriesStepsRetried: each step of a series run twice with the same
// arguments, as go-redis runs a call whose reply was lost, answers as
// the first did and changes nothing more: a take, a confirm, a release,
// an extension (its weeks are not recorded twice).
func TestSeriesStepsRetried(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	first := now.Add(48 * time.Hour)

	sr, occs := weeklySeries(7, first, 6, now.Add(15*time.Minute), now)
	for i := range 2 {
		if err := s.TakeSeries(ctx, sr, occs, 2, now); err != nil {
			t.Fatalf("take, run %d: %v", i+1, err)
		}
	}
	for i := range 2 {
		if err := s.ConfirmSeries(ctx, sr, 7, now); err != nil {
			t.Fatalf("confirm, run %d: %v", i+1, err)
		}
	}
	if n := s.Redis.ZCard(ctx, s.schedKey("adi")).Val(); n != 6 {
		t.Fatalf("sched holds %d, want 6", n)
	}
	if n := s.Redis.ZCard(ctx, s.clientIndexKey(7)).Val(); n != 6 {
		t.Fatalf("the client's index holds %d, want 6", n)
	}
	if n := s.Redis.ZCard(ctx, s.clientHoldsKey(7)).Val(); n != 0 {
		t.Fatalf("the client's holds: %d after confirming, want 0", n)
	}
	if n := s.Redis.ZCard(ctx, s.remindKey("adi")).Val(); n != 6 {
		t.Fatalf("the reminder queue holds %d, want 6", n)
	}

	// Another client's series, released twice.
	other, oocc := weeklySeries(8, first.Add(2*time.Hour), 3, now.Add(15*time.Minute), now)
	if err := s.TakeSeries(ctx, other, oocc, 2, now); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		freed, err := s.ReleaseSeries(ctx, other, 8, now)
		if err != nil || i == 0 && len(freed) != 3 || i == 1 && len(freed) != 0 {
			t.Fatalf("release, run %d: %v %v", i+1, freed, err)
		}
	}

	// An open-ended series booked at once, then extended twice alike.
	open, ooc := weeklySeries(9, first.Add(4*time.Hour), 2, time.Time{}, now)
	open.Rule.Count = 0
	if err := s.TakeSeries(ctx, open, ooc, 2, now); err != nil {
		t.Fatal(err)
	}
	ext, eocc := weeklySeries(9, first.Add(4*time.Hour).AddDate(0, 0, 14), 1, time.Time{}, now)
	eocc[0].Series, eocc[0].SeriesN, eocc[0].HoldToken = open.ID, 2, open.Token
	ext.ID, ext.Rule, ext.Token, ext.Next, ext.Missed = open.ID, open.Rule, open.Token, 4, []int{3}
	ext.Taken = []tori.SeriesEntry{{Week: 2, ID: eocc[0].ID}}
	for i := range 2 {
		if err := s.ExtendSeries(ctx, ext, 2, eocc, now); err != nil {
			t.Fatalf("extend, run %d: %v", i+1, err)
		}
	}
	got, err := s.Series(ctx, open.ID)
	if err != nil || got.Next != 4 || len(got.Taken) != 3 || len(got.Missed) != 1 {
		t.Fatalf("extended series = %+v %v", got, err)
	}
	ext.Next, ext.Taken = 5, nil
	if err := s.ExtendSeries(ctx, ext, 3, eocc[:0], now); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("an extension from a week it is not at = %v, want ECONFLICT", err)
	}
}

// TestSeriesOverExpiredHolds: a held series whose hold ran out is no
// obstacle: a second series takes its times.
func TestSeriesOverExpiredHolds(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	first := now.Add(48 * time.Hour)
	a, aocc := weeklySeries(7, first, 4, now.Add(15*time.Minute), now)
	if err := s.TakeSeries(ctx, a, aocc, 2, now); err != nil {
		t.Fatal(err)
	}
	b, bocc := weeklySeries(8, first.Add(30*time.Minute), 4, now.Add(30*time.Minute), now)
	err := s.TakeSeries(ctx, b, bocc, 2, now)
	if weeks, ok := tori.SeriesConflicts(err); !ok || len(weeks) != 4 || weeks[0].Blocker != aocc[0].ID {
		t.Fatalf("over live holds = %v %v", err, weeks)
	}
	later := now.Add(16 * time.Minute)
	if err := s.TakeSeries(ctx, b, bocc, 2, later); err != nil {
		t.Fatalf("over holds that ran out: %v", err)
	}
	if err := s.ConfirmSeries(ctx, a, 7, later); tori.ErrorCode(err) != tori.EEXPIRED {
		t.Fatalf("confirming the series that ran out = %v, want EEXPIRED", err)
	}
}

// TestSeriesRoundTrips: a series is taken in one round trip on one Redis
// server (one to the client's node and one to the therapist's on a
// cluster), and confirmed in one (on a cluster, one to each node, side by
// side), however many weeks it has.
func TestSeriesRoundTrips(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for _, sc := range []*redis.Script{reserveTakeSeriesScript, reserveSeriesScript, takeSeriesScript, confirmSeriesScript} {
		if err := sc.Load(ctx, s.Redis).Err(); err != nil {
			t.Fatal(err)
		}
	}
	_, cluster := s.Redis.(*redis.ClusterClient)
	take := map[bool]int64{false: 1, true: 2}[cluster]
	if err := s.pipeline(ctx, func(p redis.Pipeliner) { p.Ping(ctx) }); err != nil { // a connection ready: its handshake is not the series'
		t.Fatal(err)
	}
	trips := &tripCount{}
	s.Redis.AddHook(trips)
	sr, occs := weeklySeries(7, now.Add(48*time.Hour), 52, now.Add(15*time.Minute), now)
	if err := s.TakeSeries(ctx, sr, occs, 2, now); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Swap(0); n != take {
		t.Fatalf("taking 52 weeks took %d round trips, want %d", n, take)
	}
	if err := s.ConfirmSeries(ctx, sr, 7, now); err != nil {
		t.Fatal(err)
	}
	if n := trips.n.Swap(0); n != 1 {
		t.Fatalf("confirming 52 weeks took %d round trips, want 1", n)
	}
}
