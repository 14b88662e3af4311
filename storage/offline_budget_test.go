package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// The Redis budgets of clients without Telegram (docs/PERFORMANCE.md). A
// change that needs more fails here; one that needs less should lower them
// (and the document).
const (
	// Creating a record: its number, then the script that keeps it (2
	// round trips, 6 commands measured).
	budgetRoundTripsPerOfflineClient = 2
	budgetCommandsPerOfflineClient   = 6
	// Bytes of Redis memory one more record takes (its hash, its phone's
	// entry and its place in the list; 195 measured).
	budgetBytesPerOfflineClient = 250
	// Claiming an invite and attaching a client with 4 sessions with one
	// therapist: the token's read, the claim, the index's read, one script
	// for the therapist, the record's client's read, the Telegram client's
	// writes, the record's cleanup and the record's read (8 measured;
	// 34 commands).
	budgetRoundTripsPerAttach = 8
	budgetCommandsPerAttach   = 34
)

// TestOfflineRedisBudgets measures, on a redis-server of its own, creating
// a client without Telegram and attaching one with four sessions by an
// invite: round trips, the commands Redis executes (scripts' own
// included) and the memory a record takes.
func TestOfflineRedisBudgets(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	trips := &storagetest.Trips{}
	rdb.AddHook(trips)
	ctx := context.Background()
	s := storage.New(rdb, "tori:")
	now := t0.Add(-48 * time.Hour)

	// A first record, so that the scripts are loaded and the keys exist.
	n := 0
	create := func() tori.OfflineClient {
		t.Helper()
		n++
		return mustOffline(t, s, "Client "+strconv.Itoa(n), "050"+strconv.Itoa(1000000+n), now)
	}
	create()
	measure := func(what string, f func(), trips0, cmds0 int) {
		t.Helper()
		storagetest.Quiet(t, rdb)
		if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		trips.Reset()
		f()
		storagetest.Quiet(t, rdb)
		rt := trips.Reset()
		total, by := storagetest.CommandStats(t, rdb)
		t.Logf("%s: %d round trips to Redis; %d commands executed: %s", what, rt, total, by)
		if rt > trips0 || total > cmds0 {
			t.Errorf("%s took %d round trips and %d commands; the budgets are %d and %d (docs/PERFORMANCE.md)", what, rt, total, trips0, cmds0)
		}
	}
	measure("creating a client without Telegram", func() { create() }, budgetRoundTripsPerOfflineClient, budgetCommandsPerOfflineClient)

	before := storagetest.KeyBytes(t, rdb)
	const more = 20
	for range more {
		create()
	}
	per := (storagetest.KeyBytes(t, rdb) - before) / more
	t.Logf("Redis memory per client without Telegram: %d bytes", per)
	if per > budgetBytesPerOfflineClient {
		t.Errorf("a client without Telegram takes %d bytes of Redis memory; the budget is %d (docs/PERFORMANCE.md)", per, budgetBytesPerOfflineClient)
	}

	// Attaching one with four sessions with Adi, after a first (the
	// scripts loaded).
	attach := func(o tori.OfflineClient, who tori.Client) {
		t.Helper()
		inv, err := s.NewInvite(ctx, o.ID, now.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimInvite(ctx, inv.Token, who, now); err != nil {
			t.Fatal(err)
		}
	}
	first := create()
	bookedFor(t, s, first.Client(), 10*24*time.Hour, now)
	attach(first, tori.Client{ID: 700, ChatID: 700})
	dana := create()
	for i := range 4 {
		bookedFor(t, s, dana.Client(), time.Duration(i)*24*time.Hour, now)
	}
	inv, err := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	who := tori.Client{ID: 701, ChatID: 701, Name: "Dana"}
	measure("attaching a client with 4 sessions", func() {
		if _, err := s.ClaimInvite(ctx, inv.Token, who, now); err != nil {
			t.Fatal(err)
		}
	}, budgetRoundTripsPerAttach, budgetCommandsPerAttach)
}
