package storage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// testKey is a data key made of one repeated byte.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, storage.KeySize) }

func mustKeyring(t *testing.T, current []byte, old ...[]byte) *storage.Keyring {
	t.Helper()
	k, err := storage.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// withKeys is another store (a restarted tori) over s's data, with keys.
func withKeys(s *storage.Store, keys *storage.Keyring) *storage.Store {
	o := storage.New(s.Redis, s.Prefix)
	o.Keys = keys
	return o
}

// mustBooking is a confirmed booking of client c at t0+offset.
func mustBooking(t *testing.T, s *storage.Store, c int64, offset time.Duration) tori.Appointment {
	t.Helper()
	now := t0.Add(-24 * time.Hour)
	h := mustHold(t, s, hold(c, offset, time.Hour, now), now)
	a, err := s.Confirm(context.Background(), h.ID, h.HoldToken, now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustNote(t *testing.T, s *storage.Store, id, note string) {
	t.Helper()
	got, err := s.SetNote(context.Background(), id, note, false, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.Note != note || got.NoteLocked {
		t.Fatalf("SetNote answered the note %q (locked %v), want %q", got.Note, got.NoteLocked, note)
	}
}

// readNote reads a's note as s sees it, through every way an appointment
// is read: by id, in the client's list, in the therapist's day.
func readNote(t *testing.T, s *storage.Store, a tori.Appointment) (string, bool) {
	t.Helper()
	ctx := context.Background()
	got, err := s.Appointment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.ClientAppointments(ctx, a.Client.ID, a.Start.Add(-time.Minute))
	if err != nil || len(mine) != 1 {
		t.Fatalf("client appointments %v %v", mine, err)
	}
	day, err := s.TherapistAppointments(ctx, a.TherapistID, a.Start, a.End)
	if err != nil || len(day) != 1 {
		t.Fatalf("therapist appointments %v %v", day, err)
	}
	for _, o := range []tori.Appointment{mine[0], day[0]} {
		if o.Note != got.Note || o.NoteLocked != got.NoteLocked {
			t.Fatalf("read two ways: %q/%v and %q/%v", got.Note, got.NoteLocked, o.Note, o.NoteLocked)
		}
	}
	return got.Note, got.NoteLocked
}

// storedNote is the note field as Redis holds it.
func storedNote(t *testing.T, s *storage.Store, a tori.Appointment) string {
	t.Helper()
	v, err := s.Redis.HGet(context.Background(), s.Prefix+"{t:"+a.TherapistID+"}:a:"+a.ID, "note").Result()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantNote(t *testing.T, s *storage.Store, a tori.Appointment, want string) {
	t.Helper()
	if got, locked := readNote(t, s, a); got != want || locked {
		t.Fatalf("note %q (locked %v), want %q", got, locked, want)
	}
}

func wantLocked(t *testing.T, s *storage.Store, a tori.Appointment) {
	t.Helper()
	if got, locked := readNote(t, s, a); got != "" || !locked {
		t.Fatalf("note %q (locked %v), want it locked", got, locked)
	}
}

// TestNoteEncryptedAtRest: with a key, a note is nowhere in Redis as
// plain text (no key, no value, no field), and reads back as written.
func TestNoteEncryptedAtRest(t *testing.T) {
	s := storagetest.MustStore(t)
	s.Keys = mustKeyring(t, testKey(1))
	a := mustBooking(t, s, 1, 0)
	const note = "Grief after her father's death; sleeps badly — שינה גרועה"
	mustNote(t, s, a.ID, note)
	wantNote(t, s, a, note)

	all := storagetest.AllText(t, s.Redis, s.Prefix)
	for _, part := range []string{note, "father's death", "שינה גרועה", "sleeps badly"} {
		if strings.Contains(all, part) {
			t.Fatalf("%q is stored in plain text:\n%s", part, all)
		}
	}
	if raw := storedNote(t, s, a); !strings.HasPrefix(raw, "enc:v1:"+storage.KeyID(testKey(1))+":") {
		t.Fatalf("stored as %q", raw)
	}
	// Two writes of one text are two ciphertexts (a fresh nonce each).
	first := storedNote(t, s, a)
	mustNote(t, s, a.ID, note)
	if storedNote(t, s, a) == first {
		t.Fatal("the same note was sealed twice into the same bytes: the nonce repeats")
	}
	// Cleared, it is empty: nothing to seal.
	mustNote(t, s, a.ID, "")
	if raw := storedNote(t, s, a); raw != "" {
		t.Fatalf("a cleared note is stored as %q", raw)
	}
}

// TestNoteBoundToItsAppointment: a sealed note copied onto another
// appointment does not open there (the id is authenticated data), and a
// tampered one does not open either; both read as locked, nothing fails.
func TestNoteBoundToItsAppointment(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	s.Keys = mustKeyring(t, testKey(1))
	a, b := mustBooking(t, s, 1, 0), mustBooking(t, s, 2, 2*time.Hour)
	mustNote(t, s, a.ID, "a's note")
	sealed := storedNote(t, s, a)
	keyB := s.Prefix + "{t:adi}:a:" + b.ID
	if err := s.Redis.HSet(ctx, keyB, "note", sealed).Err(); err != nil {
		t.Fatal(err)
	}
	wantLocked(t, s, b)
	wantNote(t, s, a, "a's note")

	// One bit of a's own ciphertext changed: a well-formed envelope that
	// does not authenticate.
	head := sealed[:strings.LastIndex(sealed, ":")+1]
	ct, err := base64.RawStdEncoding.DecodeString(sealed[len(head):])
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)/2] ^= 1
	if err := s.Redis.HSet(ctx, s.Prefix+"{t:adi}:a:"+a.ID, "note", head+base64.RawStdEncoding.EncodeToString(ct)).Err(); err != nil {
		t.Fatal(err)
	}
	wantLocked(t, s, a)
}

// TestNoteWithoutKey: without a key a note is stored as written; a key set
// later still reads it, and so does a note that only looks sealed.
func TestNoteWithoutKey(t *testing.T) {
	s := storagetest.MustStore(t)
	a, b := mustBooking(t, s, 1, 0), mustBooking(t, s, 2, 2*time.Hour)
	mustNote(t, s, a.ID, "plain before the key")
	if raw := storedNote(t, s, a); raw != "plain before the key" {
		t.Fatalf("stored as %q", raw)
	}
	const lookalike = "enc:v1:deadbeef: a therapist's own shorthand"
	mustNote(t, s, b.ID, lookalike)
	keyed := withKeys(s, mustKeyring(t, testKey(1)))
	wantNote(t, keyed, a, "plain before the key")
	wantNote(t, keyed, b, lookalike)
	// A note sealed under a key, read by a server without one: locked.
	mustNote(t, keyed, a.ID, "sealed now")
	wantLocked(t, s, a)
}

// TestNoteKeyRotation: notes written under key A read on a server with
// current key B and old key A; rekey moves them (and a plain-text one) to
// B; then B alone reads them, and A alone reads none. Rekey run again
// changes nothing.
func TestNoteKeyRotation(t *testing.T) {
	ctx := context.Background()
	plain := storagetest.MustStore(t)
	a, b, c := mustBooking(t, plain, 1, 0), mustBooking(t, plain, 2, 2*time.Hour), mustBooking(t, plain, 3, 4*time.Hour)
	mustNote(t, plain, c.ID, "written before any key")
	keyA, keyB := testKey(0xA), testKey(0xB)
	onA := withKeys(plain, mustKeyring(t, keyA))
	mustNote(t, onA, a.ID, "under key A")
	mustNote(t, onA, b.ID, "also under A")

	onBA := withKeys(plain, mustKeyring(t, keyB, keyA))
	wantNote(t, onBA, a, "under key A")
	rep, err := onBA.Rekey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.RekeyReport{Sealed: 1, Rotated: 2}); rep != want {
		t.Fatalf("rekey: %+v, want %+v", rep, want)
	}
	for _, x := range []tori.Appointment{a, b, c} {
		if raw := storedNote(t, plain, x); !strings.HasPrefix(raw, "enc:v1:"+storage.KeyID(keyB)+":") {
			t.Fatalf("after rekey %s is stored as %q", x.ID, raw)
		}
	}
	before := storagetest.AllText(t, plain.Redis, plain.Prefix)
	if rep, err := onBA.Rekey(ctx); err != nil || rep != (storage.RekeyReport{Current: 3}) {
		t.Fatalf("second rekey: %+v %v", rep, err)
	}
	if after := storagetest.AllText(t, plain.Redis, plain.Prefix); after != before {
		t.Fatal("a second rekey changed what is stored")
	}

	onB := withKeys(plain, mustKeyring(t, keyB))
	wantNote(t, onB, a, "under key A")
	wantNote(t, onB, b, "also under A")
	wantNote(t, onB, c, "written before any key")
	wantLocked(t, onA, a)
}

// TestRekeyLeavesWhatItCannotOpen: a note under a key the server does not
// have is counted and left exactly as it is.
func TestRekeyLeavesWhatItCannotOpen(t *testing.T) {
	s := storagetest.MustStore(t)
	a := mustBooking(t, s, 1, 0)
	mustNote(t, withKeys(s, mustKeyring(t, testKey(1))), a.ID, "under a lost key")
	raw := storedNote(t, s, a)
	rep, err := withKeys(s, mustKeyring(t, testKey(2))).Rekey(context.Background())
	if err != nil || rep != (storage.RekeyReport{Locked: 1}) {
		t.Fatalf("rekey: %+v %v", rep, err)
	}
	if storedNote(t, s, a) != raw {
		t.Fatal("rekey changed a note it could not open")
	}
	if _, err := s.Rekey(context.Background()); err == nil {
		t.Fatal("rekey without a key did something")
	}
}

func TestNewKeyringRefusesAWrongSize(t *testing.T) {
	if _, err := storage.NewKeyring(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was taken for AES-256")
	}
	if _, err := storage.NewKeyring(testKey(1), make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte old key was taken")
	}
}
