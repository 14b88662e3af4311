package storage

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestRekeyKeepsANoteWrittenMeanwhile: rekey read a note, then the
// therapist wrote a new one before rekey's swap: the new note stays (the
// swap is a compare-and-set), and rekey counts it as it now is.
func TestRekeyKeepsANoteWrittenMeanwhile(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s", Client: tori.Client{ID: 7},
		Start: now.Add(48 * time.Hour), End: now.Add(49 * time.Hour), Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(time.Hour)}
	if _, err := s.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetNote(ctx, a.ID, "old plain note", false, now); err != nil { // no key yet
		t.Fatal(err)
	}
	keys, err := NewKeyring(bytes.Repeat([]byte{9}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s.Keys = keys
	key := s.appointmentKey("adi", a.ID)
	read := s.Redis.HGet(ctx, key, "note").Val() // what rekey read
	if _, err := s.SetNote(ctx, a.ID, "the therapist's newer note", false, now); err != nil {
		t.Fatal(err)
	}
	written := s.Redis.HGet(ctx, key, "note").Val()
	var rep RekeyReport
	if err := s.rekeyNote(ctx, key, a.ID, read, &rep); err != nil {
		t.Fatal(err)
	}
	if got := s.Redis.HGet(ctx, key, "note").Val(); got != written {
		t.Fatalf("rekey overwrote a note written meanwhile: %q", got)
	}
	if rep != (RekeyReport{Current: 1}) {
		t.Fatalf("report %+v", rep)
	}
	got, err := s.Appointment(ctx, a.ID)
	if err != nil || got.Note != "the therapist's newer note" {
		t.Fatalf("%q %v", got.Note, err)
	}
	// The swap itself, run twice as go-redis does when a reply is lost.
	next := keys.sealNote(a.ID, "x")
	for i := range 2 {
		if code, _, err := s.runScript(ctx, "rekey", noteSwapScript, []string{key}, written, next); err != nil || code != "OK" {
			t.Fatalf("swap %d: %s %v", i, code, err)
		}
	}
	// An appointment gone meanwhile is not brought back by a swap.
	gone := s.appointmentKey("adi", "adi.gone")
	if code, _, _ := s.runScript(ctx, "rekey", noteSwapScript, []string{gone}, "old", next); code != "CHANGED" || s.Redis.Exists(ctx, gone).Val() != 0 {
		t.Fatalf("swap on a missing hash: %s", code)
	}
}
