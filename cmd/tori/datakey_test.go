package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

const unencrypted = "notes are stored unencrypted"

// startWorker runs `tori worker` until it says it is running, and stops it
// when the test ends; it returns its log.
func startWorker(t *testing.T, getenv func(string) string) *syncBuffer {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"worker"}, getenv, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "tori is running") {
		if time.Now().After(deadline) {
			t.Fatalf("did not start:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a process that is starting, with a deadline
	}
	return logs
}

// TestRunSaysNotesAreUnencrypted: without TORI_DATA_KEY tori starts, with
// one warning line saying so and how to set a key; with a key, no warning,
// the key's id and never the key.
func TestRunSaysNotesAreUnencrypted(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()

	logs := startWorker(t, testEnv(t, fake, nil))
	var warned []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, unencrypted) {
			warned = append(warned, line)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], `"level":"WARN"`) || !strings.Contains(warned[0], "TORI_DATA_KEY") || !strings.Contains(warned[0], "openssl rand -base64 32") {
		t.Fatalf("want one warning line naming TORI_DATA_KEY and how to make one, got %q\n%s", warned, logs.String())
	}

	key := bytes.Repeat([]byte{7}, storage.KeySize)
	b64 := base64.StdEncoding.EncodeToString(key)
	old := hex.EncodeToString(bytes.Repeat([]byte{8}, storage.KeySize))
	logs = startWorker(t, testEnv(t, fake, map[string]string{"TORI_DATA_KEY": b64, "TORI_DATA_KEY_OLD": old}))
	out := logs.String()
	if strings.Contains(out, unencrypted) || !strings.Contains(out, `"key_id":"`+storage.KeyID(key)+`"`) || !strings.Contains(out, `"keys":2`) {
		t.Fatalf("with a key:\n%s", out)
	}
	if strings.Contains(out, b64) || strings.Contains(out, old) {
		t.Fatalf("a key was logged:\n%s", out)
	}
}

// TestRunRefusesABadDataKey: a key that is not 32 bytes stops tori with one
// line saying how to make one, and without the value.
func TestRunRefusesABadDataKey(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, storage.KeySize))
	tests := []struct {
		name, key, old, want string
	}{
		{"Short", short, "", "TORI_DATA_KEY is 16 bytes, not 32"},
		{"NotBase64", "correct horse battery staple!!", "", "TORI_DATA_KEY is neither base64 nor 64 hex digits"},
		{"BadOld", good, good + ", " + short, "TORI_DATA_KEY_OLD: key 2 of 2 is 16 bytes, not 32"},
		{"OldWithoutCurrent", "", good, "TORI_DATA_KEY_OLD is set but TORI_DATA_KEY is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			err := run(context.Background(), []string{"worker"}, testEnv(t, fake, map[string]string{"TORI_DATA_KEY": tt.key, "TORI_DATA_KEY_OLD": tt.old}), logs)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "openssl rand -base64 32") && tt.name != "BadOld" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line containing %q and how to make a key", err, tt.want)
			}
			for _, k := range []string{short, good, tt.key} {
				if k != "" && strings.Contains(err.Error()+logs.String(), k) {
					t.Fatalf("a key's value was shown: %v\n%s", err, logs.String())
				}
			}
		})
	}
}

// TestParseDataKey: base64 (padded or not, standard or URL-safe) and 64
// hex digits give the same 32 bytes.
func TestParseDataKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcd\xfe\xff")
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
	} {
		got, err := parseDataKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("%s: %x %v", s, got, err)
		}
	}
}

// TestRekeyCommand: tori rekey seals a note written before the key was set
// and says what it did; without a key it says what to set.
func TestRekeyCommand(t *testing.T) {
	ctx := context.Background()
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, storage.KeySize))
	getenv := testEnv(t, nil, map[string]string{"TELEGRAM_BOT_TOKEN": "", "TORI_DATA_KEY": key})
	rdb, err := storage.Connect(ctx, getenv("REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	plain := storage.New(rdb, getenv("REDIS_PREFIX"))
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	a := tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s", Client: tori.Client{ID: 7},
		Start: now.Add(48 * time.Hour), End: now.Add(49 * time.Hour), Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(time.Hour)}
	if _, err := plain.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.SetNote(ctx, a.ID, "written before the key", false, now); err != nil {
		t.Fatal(err)
	}

	logs := &syncBuffer{}
	if err := run(ctx, []string{"rekey"}, getenv, logs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "1 sealed from plain text, 0 moved from an older key, 0 already under the current key, 0 no key here opens") {
		t.Fatalf("rekey said %q", logs.String())
	}
	if got, _ := plain.Appointment(ctx, a.ID); got.Note != "" || !got.NoteLocked {
		t.Fatalf("after rekey, a server without the key reads %q (locked %v)", got.Note, got.NoteLocked)
	}

	err = run(ctx, []string{"rekey"}, testEnv(t, nil, map[string]string{"TELEGRAM_BOT_TOKEN": ""}), &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "tori rekey needs TORI_DATA_KEY") {
		t.Fatalf("rekey without a key: %v", err)
	}
}

// TestRunHoldsTheDataKey: once a process with TORI_DATA_KEY has started on
// a Redis, a process without it (forgotten, or mid-rollout) stops with one
// line instead of writing notes in plain text; so does one whose keys
// cannot read the current key's notes, and one whose key was replaced. A
// rotation in the documented phases starts at every step: the new key
// first as an old key, then current (which moves the data to it), rekey,
// then the old key removed.
func TestRunHoldsTheDataKey(t *testing.T) {
	ctx := context.Background()
	fake := telegramtest.New()
	defer fake.Close()
	k1, k2 := bytes.Repeat([]byte{1}, storage.KeySize), bytes.Repeat([]byte{2}, storage.KeySize)
	b1, b2 := base64.StdEncoding.EncodeToString(k1), base64.StdEncoding.EncodeToString(k2)
	id1, id2 := storage.KeyID(k1), storage.KeyID(k2)
	base := testEnv(t, fake, nil) // one Redis prefix for every run
	with := func(cur, old string) func(string) string {
		return func(k string) string {
			switch k {
			case "TORI_DATA_KEY":
				return cur
			case "TORI_DATA_KEY_OLD":
				return old
			}
			return base(k)
		}
	}
	starts := func(name string, getenv func(string) string) string {
		t.Helper()
		logs, stop := started(t, []string{"worker"}, getenv, "tori is running")
		stop()
		return logs.String()
	}
	refused := func(name string, args []string, getenv func(string) string, want ...string) {
		t.Helper()
		logs := &syncBuffer{}
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second) // a process that starts is stopped, and fails here
		defer cancel()
		err := run(rctx, args, getenv, logs)
		if err == nil || strings.Contains(err.Error(), "\n") || strings.Contains(logs.String(), "tori is running") {
			t.Fatalf("%s: %v, want one line and no start\n%s", name, err, logs.String())
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%s: %v, want it to say %q", name, err, w)
			}
		}
		if strings.Contains(err.Error()+logs.String(), b1) || strings.Contains(err.Error()+logs.String(), b2) {
			t.Fatalf("%s: a key's value was shown: %v", name, err)
		}
	}

	starts("the first key", with(b1, ""))
	refused("no key", []string{"worker"}, with("", ""), "notes in this Redis are encrypted (under key "+id1+")", "TORI_DATA_KEY is not set here")
	refused("no key, the bot", []string{"bot"}, with("", ""), "TORI_DATA_KEY is not set here")
	refused("a new key alone", []string{"worker"}, with(b2, ""), "written under key "+id1+", which this process does not have", "add that key to TORI_DATA_KEY_OLD")
	refused("rekey with a new key alone", []string{"rekey"}, with(b2, ""), "add that key to TORI_DATA_KEY_OLD")

	starts("phase 1: the new key as an old one", with(b1, b2))
	if out := starts("phase 2: the new key made current", with(b2, b1)); !strings.Contains(out, `"replaced":"`+id1+`"`) || !strings.Contains(out, "run tori rekey") {
		t.Fatalf("the move to the new key is not said:\n%s", out)
	}
	refused("the replaced key as current", []string{"worker"}, with(b1, b2), "TORI_DATA_KEY (key "+id1+") was replaced by key "+id2, "set TORI_DATA_KEY to key "+id2)
	refused("no key after the rotation", []string{"worker"}, with("", ""), "under key "+id2)
	out := &syncBuffer{}
	if err := run(ctx, []string{"rekey"}, with(b2, b1), out); err != nil || !strings.Contains(out.String(), "notes now under key "+id2) {
		t.Fatalf("phase 3, rekey: %v %s", err, out.String())
	}
	starts("phase 4: the old key removed", with(b2, ""))
}
