package telegram_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestEncryptedNoteShownToTheTherapist: with a data key, the therapist
// writes a note through the bot and sees it, today and when opening the
// session again, while Redis holds it nowhere in plain text; a note under a
// key the server no longer has shows a plain placeholder instead.
func TestEncryptedNoteShownToTheTherapist(t *testing.T) {
	st := storagetest.MustStore(t)
	keys, err := storage.NewKeyring(bytes.Repeat([]byte{5}, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st.Keys = keys
	l := startLiveOn(t, st)
	dana := l.user(101, "Dana", "en")
	a := l.bookTalk(dana, "Tue 1/12", "10:00")
	l.clock.Set(a.Start.Add(-2 * time.Hour))

	const note = "Panic attacks since the move; sister in hospital"
	adi := l.admin(9011, "Adi") // writes in Hebrew
	adi.say("/today").press("10:00 · Dana").press("הערה").sees("כתבו את ההערה הפרטית")
	adi.say(note).sees("📝", note)
	if all := storagetest.AllText(t, st.Redis, st.Prefix); strings.Contains(all, "Panic attacks") || strings.Contains(all, "sister in hospital") {
		t.Fatalf("the note is in Redis in plain text:\n%s", all)
	}
	adi.say("/today").sees("📝", note)
	adi.press("10:00 · Dana").sees("📝", note)

	// A key this server does not have: the therapist is told, nothing fails.
	other, err := storage.NewKeyring(bytes.Repeat([]byte{6}, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	lost := storage.New(st.Redis, st.Prefix)
	lost.Keys = other
	if _, err := lost.SetNote(context.Background(), a.ID, "under a key that is gone", true, l.clock.Now()); err != nil {
		t.Fatal(err)
	}
	msg := adi.say("/today").sees("📝", "ההערה הזו הוצפנה במפתח שכבר אין לשרת הזה")
	if strings.Contains(msg.Text, "gone") {
		t.Fatalf("shown: %q", msg.Text)
	}
	staff := l.admin(9500, "Ruth") // writes in English
	staff.say("/today").press("10:00 · Dana").sees("This note was encrypted with a key this server no longer has")
}

// TestLockedNoteIsKeptUnlessReplaced: a note under a key this server does
// not have is never overwritten unasked. Pressing Note says it is kept and
// can be read again with its key, and asks first; only after "Replace the
// locked note" does a written note take its place. A locked note that
// arrives while a note is being written is kept too, and the therapist is
// told theirs was not saved.
func TestLockedNoteIsKeptUnlessReplaced(t *testing.T) {
	ctx := context.Background()
	st := storagetest.MustStore(t)
	keys, err := storage.NewKeyring(bytes.Repeat([]byte{5}, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st.Keys = keys
	other, err := storage.NewKeyring(bytes.Repeat([]byte{6}, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	lost := storage.New(st.Redis, st.Prefix) // a server with a key this one lacks
	lost.Keys = other
	l := startLiveOn(t, st)
	dana := l.user(101, "Dana", "en")
	a := l.bookTalk(dana, "Tue 1/12", "10:00")
	l.clock.Set(a.Start.Add(-2 * time.Hour))
	stored := func() string {
		t.Helper()
		v, err := st.Redis.HGet(ctx, st.Prefix+"{t:"+a.TherapistID+"}:a:"+a.ID, "note").Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, err := lost.SetNote(ctx, a.ID, "under a key that is gone", false, l.clock.Now()); err != nil {
		t.Fatal(err)
	}
	locked := stored()

	ruth := l.admin(9500, "Ruth") // staff, in English
	ruth.say("/today").press("10:00 · Dana").press("Note")
	msg := ruth.sees("already has a note that was encrypted with a key this server no longer has", "It is kept", "Replace it?")
	if strings.Contains(msg.Text, "Write the private note") {
		t.Fatalf("asked for a note over a locked one: %q", msg.Text)
	}
	ruth.say("this must not replace it")
	if stored() != locked {
		t.Fatal("a note typed without confirming replaced the locked one")
	}
	ruth.say("/today").press("10:00 · Dana").press("Note").press("Replace the locked note").sees("replaces the locked note for good")
	ruth.say("A new note, on purpose").sees("📝", "A new note, on purpose")
	if got, err := st.Appointment(ctx, a.ID); err != nil || got.Note != "A new note, on purpose" || got.NoteLocked {
		t.Fatalf("after replacing: %q locked %v %v", got.Note, got.NoteLocked, err)
	}

	// A readable note, the prompt open, and a locked note written meanwhile.
	ruth.say("/today").press("10:00 · Dana").press("Note").sees("Write the private note")
	if _, err := lost.SetNote(ctx, a.ID, "written elsewhere meanwhile", true, l.clock.Now()); err != nil {
		t.Fatal(err)
	}
	locked = stored()
	ruth.say("my edit").sees("Your note was not saved", "left as it is")
	if stored() != locked {
		t.Fatal("the note written meanwhile, which this server cannot read, was overwritten")
	}
	adi := l.admin(9011, "Adi") // writes in Hebrew
	adi.say("/today").press("10:00 · Dana").press("הערה").sees("לפגישה הזו כבר יש הערה שהוצפנה", "להחליף אותה?")
}
