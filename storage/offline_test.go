package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// mustOffline keeps a client without Telegram.
func mustOffline(t *testing.T, s *storage.Store, name, phone string, now time.Time) tori.OfflineClient {
	t.Helper()
	o, err := tori.NewOfflineClient(name, phone, tori.DefaultClientsPolicy())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.CreateOfflineClient(context.Background(), o, now)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return got
}

// bookedFor holds and confirms a session of Adi's for client c at t0+offset.
func bookedFor(t *testing.T, s *storage.Store, c tori.Client, offset time.Duration, now time.Time) tori.Appointment {
	t.Helper()
	h := hold(c.ID, offset, time.Hour, now)
	h.Client = c
	h = mustHold(t, s, h, now)
	a, err := s.Confirm(context.Background(), h.ID, h.HoldToken, now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOfflineClients(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)

	t.Run("FoundByNameAndPhone", func(t *testing.T) {
		s := storagetest.MustStore(t)
		dana := mustOffline(t, s, "  Dana   Cohen ", "050-123 4567", now)
		mustOffline(t, s, "Yossi Mizrahi", "+972 52 765 4321", now)
		if !tori.IsOfflineClient(dana.ID) || dana.Name != "Dana Cohen" || dana.Phone != "+972501234567" {
			t.Fatalf("kept %+v", dana)
		}
		for _, q := range []string{"cohen", "DANA", "0501234567", "+972-50-123-4567", "00972501234567"} {
			got, err := s.FindOfflineClients(ctx, q, "972", 10)
			if err != nil || len(got) != 1 || got[0].ID != dana.ID {
				t.Fatalf("find %q: %+v %v", q, got, err)
			}
		}
		if got, _ := s.FindOfflineClients(ctx, "nobody", "972", 10); len(got) != 0 {
			t.Fatalf("found %+v", got)
		}
	})
	t.Run("PhoneKeptOnce", func(t *testing.T) {
		s := storagetest.MustStore(t)
		dana := mustOffline(t, s, "Dana Cohen", "0501234567", now)
		again := mustOffline(t, s, "Dana Cohen", "+972501234567", now) // a retry: the same record
		if again.ID != dana.ID {
			t.Fatalf("a retry made %d, not %d", again.ID, dana.ID)
		}
		o, _ := tori.NewOfflineClient("Ruth Bar", "050 123 4567", tori.DefaultClientsPolicy())
		kept, err := s.CreateOfflineClient(ctx, o, now)
		wantCode(t, err, tori.ECONFLICT)
		if kept.ID != dana.ID {
			t.Fatalf("conflict names %+v", kept)
		}
	})
	t.Run("Forgotten", func(t *testing.T) {
		s := storagetest.MustStore(t)
		dana := mustOffline(t, s, "Dana Cohen", "0501234567", now)
		if _, err := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetOfflineClient(ctx, dana.ID); err != nil {
			t.Fatal(err)
		}
		if left := storagetest.Naming(storagetest.AllText(t, s.Redis, s.Prefix), "Dana", "501234567"); len(left) > 0 {
			t.Fatalf("left: %v", left)
		}
	})
}

// TestInviteClaimedOnce: eight people tap one invite link at once; exactly
// one becomes the client, the others are refused, and the winner tapping
// again is told the same (a retried update), nothing done twice.
func TestInviteClaimedOnce(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	dana := mustOffline(t, s, "Dana Cohen", "0501234567", now)
	a := bookedFor(t, s, dana.Client(), 0, now)
	inv, err := s.NewInvite(ctx, dana.ID, now.Add(7*24*time.Hour), now)
	if err != nil || !tori.IsInviteToken(inv.Token) {
		t.Fatalf("invite %+v %v", inv, err)
	}

	var mu sync.Mutex
	var won []int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := tori.Client{ID: int64(700 + i), ChatID: int64(700 + i), Name: "tapper"}
			_, err := s.ClaimInvite(ctx, inv.Token, who, now.Add(time.Minute))
			switch tori.ErrorCode(err) {
			case "":
				mu.Lock()
				won = append(won, who.ID)
				mu.Unlock()
			case tori.EEXPIRED:
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("winners %v", won)
	}

	got, err := s.Appointment(ctx, a.ID)
	if err != nil || got.Client.ID != won[0] || got.Client.ChatID != won[0] || got.Client.Name != "Dana Cohen" {
		t.Fatalf("appointment's client %+v %v", got.Client, err)
	}
	if as, _ := s.ClientAppointments(ctx, dana.ID, time.Time{}); len(as) != 0 {
		t.Fatalf("still under the record: %v", as)
	}
	att, err := s.ClaimInvite(ctx, inv.Token, tori.Client{ID: won[0], ChatID: won[0]}, now.Add(2*time.Minute))
	if err != nil || !att.Again || att.Record.Became != won[0] {
		t.Fatalf("tapped again: %+v %v", att, err)
	}
	_, err = s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	wantCode(t, err, tori.ECONFLICT)
}

// TestInviteRefused: a link past its end, one replaced by a newer link,
// and one never made are refused alike, and attach nothing.
func TestInviteRefused(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	dana := mustOffline(t, s, "Dana Cohen", "0501234567", now)
	old, _ := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	inv, _ := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	who := tori.Client{ID: 701, ChatID: 701}

	_, err := s.ClaimInvite(ctx, old.Token, who, now)
	wantCode(t, err, tori.EEXPIRED)
	_, err = s.ClaimInvite(ctx, inv.Token, who, now.Add(time.Hour+time.Second))
	wantCode(t, err, tori.EEXPIRED)
	_, err = s.ClaimInvite(ctx, tori.NewInviteToken(), who, now)
	wantCode(t, err, tori.EEXPIRED)
	if rec, _ := s.OfflineClient(ctx, dana.ID); rec.Became != 0 {
		t.Fatalf("attached by a refused link: %+v", rec)
	}
}

// TestAttachMergesWithBookings: a Telegram client who already has a
// booking takes the invite: both bookings are theirs, with Adi's span
// naming them, and the record's strikes follow; their copy of their data
// shows the phone the practice kept, and their erasure erases the record.
func TestAttachMergesWithBookings(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	dana := mustOffline(t, s, "Dana Cohen", "0501234567", now)
	off := bookedFor(t, s, dana.Client(), 0, now)
	if err := s.AddStrike(ctx, dana.ID, off.ID, now); err != nil {
		t.Fatal(err)
	}
	tg := tori.Client{ID: 701, ChatID: 701, Name: "Dana C", Username: "danac", Lang: "he"}
	own := bookedFor(t, s, tg, 3*time.Hour, now)

	inv, _ := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	if _, err := s.ClaimInvite(ctx, inv.Token, tg, now); err != nil {
		t.Fatal(err)
	}
	as, err := s.ClientAppointments(ctx, tg.ID, time.Time{})
	if err != nil || len(as) != 2 || as[0].ID != off.ID || as[1].ID != own.ID {
		t.Fatalf("merged %v %v", as, err)
	}
	if as[0].Client.Lang != "he" || as[0].Client.Username != "danac" {
		t.Fatalf("moved client %+v", as[0].Client)
	}
	if n, _ := s.Strikes(ctx, tg.ID, time.Time{}); n != 1 {
		t.Fatalf("strikes %d", n)
	}
	if left := storagetest.Naming(storagetest.AllText(t, s.Redis, s.Prefix+"{t:"), "9007199254"); len(left) > 0 {
		t.Fatalf("the record's id left in Adi's keys: %v", left)
	}

	// Their copy names the phone the practice kept; their erasure erases it.
	if r, err := s.ClientRecord(ctx, tg.ID, tg.ChatID); err != nil || r.Phone != "+972501234567" {
		t.Fatalf("record's phone %q %v", r.Phone, err)
	}
	if _, err := s.EraseClient(ctx, tg.ID, tg.ChatID, 5, now); err != nil {
		t.Fatal(err)
	}
	_, err = s.OfflineClient(ctx, dana.ID)
	wantCode(t, err, tori.ENOTFOUND)
}
