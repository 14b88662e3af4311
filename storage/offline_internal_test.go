package storage

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestFinishAttachAfterACrash: an invite claimed by a process that died
// before it moved anything (the claim and its intent written, nothing
// else) is left alone while it may still be in hand, then finished by the
// worker's FinishAttaches: the session is the Telegram client's, and the
// intent gone.
func TestFinishAttachAfterACrash(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	o, _ := tori.NewOfflineClient("Dana Cohen", "0501234567", tori.DefaultClientsPolicy())
	dana, err := s.CreateOfflineClient(ctx, o, now)
	if err != nil {
		t.Fatal(err)
	}
	h := tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "talk", Client: dana.Client(),
		Start: now.Add(48 * time.Hour), End: now.Add(49 * time.Hour), Status: tori.StatusHeld, HoldToken: tori.RandomToken(12),
		HoldUntil: now.Add(15 * time.Minute), Price: tori.Money{Amount: 100, Currency: "ILS"}, Payment: tori.PayNone}
	if h, err = s.Hold(ctx, h, 2, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Confirm(ctx, h.ID, h.HoldToken, now); err != nil {
		t.Fatal(err)
	}
	inv, err := s.NewInvite(ctx, dana.ID, now.Add(time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}

	// The claim alone, as the dead process left it.
	keys := []string{s.inviteKey(inv.Token), s.offlineRecordKey(dana.ID), s.offlineKey("attach")}
	if code, _, err := s.runScript(ctx, "claim", claimInviteScript, keys, dana.ID, 701, inv.Token, ms(now)); err != nil || code != "OK" {
		t.Fatalf("claim %s %v", code, err)
	}
	if n, err := s.FinishAttaches(ctx, 10, now.Add(30*time.Second)); err != nil || n != 0 {
		t.Fatalf("finished one in hand: %d %v", n, err)
	}
	if n, err := s.FinishAttaches(ctx, 10, now.Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("finished %d %v", n, err)
	}

	got, err := s.Appointment(ctx, h.ID)
	if err != nil || got.Client.ID != 701 || got.Client.ChatID != 701 {
		t.Fatalf("client %+v %v", got.Client, err)
	}
	if as, _ := s.ClientAppointments(ctx, 701, time.Time{}); len(as) != 1 {
		t.Fatalf("index %v", as)
	}
	if n, _ := s.Redis.ZCard(ctx, s.offlineKey("attach")).Result(); n != 0 {
		t.Fatalf("%d intents left", n)
	}
}
