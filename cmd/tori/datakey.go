package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/tori-bot/tori/storage"
)

// newKeyHint says how to make a data key.
const newKeyHint = "generate one with: openssl rand -base64 32"

// dataKeys is the keyring of TORI_DATA_KEY and TORI_DATA_KEY_OLD, or nil
// (notes stored as they are) when no key is set. TORI_DATA_KEY, the key
// the practice's notes are encrypted under at rest (docs/ENCRYPTION.md),
// is 32 random bytes as base64 or 64 hex digits; after a rotation
// TORI_DATA_KEY_OLD holds the keys before it, comma-separated. A key's
// value is never logged nor put in an error.
func dataKeys(getenv func(string) string) (*storage.Keyring, error) {
	cur := strings.TrimSpace(getenv("TORI_DATA_KEY"))
	var old []string
	for _, o := range strings.Split(getenv("TORI_DATA_KEY_OLD"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			old = append(old, o)
		}
	}

	if cur == "" {
		if len(old) > 0 {
			return nil, errors.New("TORI_DATA_KEY_OLD is set but TORI_DATA_KEY is not: set TORI_DATA_KEY to the key new notes are written under (" + newKeyHint + ")")
		}
		return nil, nil
	}

	key, err := parseDataKey(cur)
	if err != nil {
		return nil, fmt.Errorf("TORI_DATA_KEY %w (%s)", err, newKeyHint)
	}

	var olds [][]byte
	for i, o := range old {
		k, err := parseDataKey(o)
		if err != nil {
			return nil, fmt.Errorf("TORI_DATA_KEY_OLD: key %d of %d %w (keys before the current one, comma-separated)", i+1, len(old), err)
		}
		olds = append(olds, k)
	}
	return storage.NewKeyring(key, olds...)
}

// parseDataKey reads 32 bytes given as 64 hex digits or as base64
// (standard or URL-safe, padded or not). Its error leaves the value out.
func parseDataKey(s string) ([]byte, error) {
	if len(s) == 2*storage.KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}

	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != storage.KeySize {
				return nil, fmt.Errorf("is %d bytes, not %d: a data key is %d random bytes as base64 or 64 hex digits", len(k), storage.KeySize, storage.KeySize)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("is neither base64 nor 64 hex digits: a data key is %d random bytes written so", storage.KeySize)
}

// checkDataKeys holds this process's keys against the key the data's
// notes are written under (storage.CheckNotesKey): a process that would
// write notes in plain text, or under a key that was replaced, or that
// cannot read the current key's notes, stops with one line saying what to
// set. moved is the key this process's key just replaced ("" if none).
func checkDataKeys(ctx context.Context, store *storage.Store) (moved string, err error) {
	_, moved, err = store.CheckNotesKey(ctx, time.Now())
	var ke *storage.NotesKeyError
	if !errors.As(err, &ke) {
		return moved, err
	}

	const doc = " (docs/ENCRYPTION.md, Rotating the key)"
	switch ke.Reason {
	case storage.KeyMissing:
		return "", fmt.Errorf("notes in this Redis are encrypted (under key %s) and TORI_DATA_KEY is not set here: set it as on the other tori processes; "+
			"without it this process would write notes in plain text and could not read the encrypted ones (docs/ENCRYPTION.md)", ke.Current)
	case storage.KeyRetired:
		return "", fmt.Errorf("TORI_DATA_KEY (key %s) was replaced by key %s for the notes in this Redis: set TORI_DATA_KEY to key %s as on the other processes, "+
			"with this one in TORI_DATA_KEY_OLD until tori rekey has moved its notes; a replaced key is never made current again"+doc, store.Keys.ID(), ke.Current, ke.Current)
	}
	return "", fmt.Errorf("notes in this Redis are written under key %s, which this process does not have (TORI_DATA_KEY is key %s): add that key to TORI_DATA_KEY_OLD; "+
		"a new key is first given to every process in TORI_DATA_KEY_OLD, and only then made current"+doc, ke.Current, store.Keys.ID())
}

// sayDataKeys logs, once at start, whether notes are encrypted.
func sayDataKeys(log *slog.Logger, keys *storage.Keyring) {
	if keys == nil {
		log.Warn("notes are stored unencrypted: set TORI_DATA_KEY to encrypt them at rest (" + newKeyHint + "; see docs/ENCRYPTION.md)")
		return
	}
	log.Info("notes are encrypted at rest", "key_id", keys.ID(), "keys", keys.Len())
}

// redisURLOf is the Redis tori connects to: REDIS_URL, or a cluster of
// REDIS_CLUSTER_ADDRS with REDIS_URL's credentials.
func redisURLOf(getenv func(string) string) string {
	redisURL := env(getenv, "REDIS_URL", "redis://127.0.0.1:6379/0")
	if addrs := strings.TrimSpace(getenv("REDIS_CLUSTER_ADDRS")); addrs != "" {
		redisURL = storage.ClusterURL(redisURL, strings.Split(strings.ReplaceAll(addrs, " ", ""), ","))
	}
	return redisURL
}

// runRekey is tori rekey: every note sealed under TORI_DATA_KEY, beside
// live traffic, as often as wanted.
func runRekey(ctx context.Context, getenv func(string) string, out io.Writer) error {
	keys, err := dataKeys(getenv)
	if err != nil {
		return err
	}
	if keys == nil {
		return errors.New("tori rekey needs TORI_DATA_KEY, the key to encrypt notes under (" + newKeyHint + ")")
	}

	rdb, err := storage.Connect(ctx, redisURLOf(getenv))
	if err != nil {
		return err
	}
	defer rdb.Close()
	store := storage.New(rdb, env(getenv, "REDIS_PREFIX", "tori:"))
	store.Keys = keys

	// This process's keys, checked against the data's first.
	moved, err := checkDataKeys(ctx, store)
	if err != nil {
		return err
	}
	if moved != "" {
		fmt.Fprintf(out, "key %s replaces key %s: notes are written under it from now on\n", keys.ID(), moved)
	}

	rep, err := store.Rekey(ctx)
	if err != nil {
		return fmt.Errorf("rekey stopped (run it again; what it did stays done): %w", err)
	}
	fmt.Fprintf(out, "notes now under key %s: %s\n", keys.ID(), rep)
	if rep.Locked > 0 {
		fmt.Fprintf(out, "%d note(s) are under a key this server does not have: add that key to TORI_DATA_KEY_OLD and run tori rekey again, or they stay unreadable\n", rep.Locked)
	}
	return nil
}
