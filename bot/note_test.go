package bot_test

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
	if _, err := lost.SetNote(context.Background(), a.ID, "under a key that is gone", l.clock.Now()); err != nil {
		t.Fatal(err)
	}
	msg := adi.say("/today").sees("📝", "ההערה הזו הוצפנה במפתח שכבר אין לשרת הזה")
	if strings.Contains(msg.Text, "gone") {
		t.Fatalf("shown: %q", msg.Text)
	}
	staff := l.admin(9500, "Ruth") // writes in English
	staff.say("/today").press("10:00 · Dana").sees("This note was encrypted with a key this server no longer has")
}
