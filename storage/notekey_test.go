package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestNotesKeyMarker: the data's notes key, through the phases of
// docs/ENCRYPTION.md. Without a key anywhere notes stay plain; the first
// key marks the data, and from then a process without a key is refused. A
// rotation: the new key first given to every process as an old one (the
// marker stays), then made current (the marker moves, since that process
// reads the notes under the old key), then the old one removed. A key
// once replaced is refused as current, and so is a keyring that cannot
// read the current key's notes. A retried move answers as done.
func TestNotesKeyMarker(t *testing.T) {
	ctx := context.Background()
	base := storagetest.MustStore(t)
	now := t0
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	id1, id2 := storage.KeyID(k1), storage.KeyID(k2)
	check := func(keys *storage.Keyring) (string, string, error) {
		t.Helper()
		now = now.Add(time.Minute)
		return withKeys(base, keys).CheckNotesKey(ctx, now)
	}
	ok := func(name string, keys *storage.Keyring, wantCurrent, wantMoved string) {
		t.Helper()
		cur, moved, err := check(keys)
		if err != nil || cur != wantCurrent || moved != wantMoved {
			t.Fatalf("%s: current %q moved %q err %v; want %q, %q", name, cur, moved, err, wantCurrent, wantMoved)
		}
	}
	refused := func(name string, keys *storage.Keyring, reason, current string) {
		t.Helper()
		_, _, err := check(keys)
		var ke *storage.NotesKeyError
		if !errors.As(err, &ke) || ke.Reason != reason || ke.Current != current {
			t.Fatalf("%s: %v; want %s under %s", name, err, reason, current)
		}
	}

	ok("no key anywhere", nil, "", "")
	ok("no key again", nil, "", "")
	ok("the first key", mustKeyring(t, k1), id1, "")
	refused("a process without a key", nil, storage.KeyMissing, id1)
	refused("another key alone", mustKeyring(t, k2), storage.KeyUnreadable, id1)
	ok("phase 1: the new key as an old one", mustKeyring(t, k1, k2), id1, "")
	ok("phase 2: the new key made current", mustKeyring(t, k2, k1), id2, id1)
	ok("phase 2, a process restarted", mustKeyring(t, k2, k1), id2, "")
	refused("the replaced key as current", mustKeyring(t, k1, k2), storage.KeyRetired, id2)
	refused("the replaced key alone", mustKeyring(t, k1), storage.KeyRetired, id2)
	refused("a process without a key, after the rotation", nil, storage.KeyMissing, id2)
	ok("phase 4: the old key removed", mustKeyring(t, k2), id2, "")
	refused("a third key that cannot read the second's notes", mustKeyring(t, k3, k1), storage.KeyUnreadable, id2)

	// The move's reply lost and the call retried: it is done, not refused.
	ok("the next rotation", mustKeyring(t, k3, k2), storage.KeyID(k3), id2)
	ok("its retry", mustKeyring(t, k3, k2), storage.KeyID(k3), "")
}

// TestSetNoteKeepsALockedNote: a note this store cannot open (under a key
// it does not have) is not overwritten by a plain SetNote: ECONFLICT, the
// stored bytes unchanged, and the key's holder still reads it. Replacing
// it, when the practice says so, writes the new note. A note it can read
// is overwritten as always.
func TestSetNoteKeepsALockedNote(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	a := mustBooking(t, s, 1, 0)
	holder := withKeys(s, mustKeyring(t, testKey(1)))
	mustNote(t, holder, a.ID, "under key 1")
	raw := storedNote(t, s, a)

	for name, other := range map[string]*storage.Store{"another key": withKeys(s, mustKeyring(t, testKey(2))), "no key": s} {
		if _, err := other.SetNote(ctx, a.ID, "over it", false, t0); tori.ErrorCode(err) != tori.ECONFLICT {
			t.Fatalf("%s: SetNote over a locked note: %v (want ECONFLICT)", name, err)
		}
		if storedNote(t, s, a) != raw {
			t.Fatalf("%s: the locked note was changed", name)
		}
	}
	wantNote(t, holder, a, "under key 1")

	mustNote(t, holder, a.ID, "edited by its holder") // a note it reads: overwritten
	other := withKeys(s, mustKeyring(t, testKey(2)))
	got, err := other.SetNote(ctx, a.ID, "replaced on purpose", true, t0)
	if err != nil || got.Note != "replaced on purpose" || got.NoteLocked {
		t.Fatalf("replacing a locked note: %q %v %v", got.Note, got.NoteLocked, err)
	}
	wantNote(t, other, a, "replaced on purpose")
	if _, err := s.SetNote(ctx, tori.NewAppointmentID("adi"), "x", false, t0); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("a note on no appointment: %v", err)
	}
}
