package storage

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestBackfillKept: bookings stored before the retention index existed
// are put in it once, and only those: not a hold (it expires by itself),
// nor an anonymised one.
func TestBackfillKept(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	mk := func(c int64, offset time.Duration) tori.Appointment {
		return tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
			Client: tori.Client{ID: c, ChatID: c, Name: "x"}, Start: now.Add(offset), End: now.Add(offset + time.Hour),
			Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(15 * time.Minute)}
	}
	booked, held := mk(7, 24*time.Hour), mk(8, 48*time.Hour)
	for _, a := range []tori.Appointment{booked, held} {
		if _, err := s.Hold(ctx, a, 2, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Confirm(ctx, booked.ID, "tok", now); err != nil {
		t.Fatal(err)
	}
	s.Redis.Del(ctx, s.keptKey("adi")) // as it was before the index existed

	if n, err := s.BackfillKept(ctx); err != nil || n != 1 {
		t.Fatalf("backfill: %d, %v", n, err)
	}
	ids, _ := s.KeptBefore(ctx, "adi", now.Add(72*time.Hour), 10)
	if len(ids) != 1 || ids[0] != booked.ID {
		t.Fatalf("kept %v, want the booking alone", ids)
	}
	s.Redis.Del(ctx, s.keptKey("adi"))
	if n, err := s.BackfillKept(ctx); err != nil || n != 0 {
		t.Fatalf("a second backfill: %d, %v", n, err)
	}
}
