package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// KeySize is the length of a data key: 32 bytes (AES-256).
const KeySize = 32

const envelopeV1 = "enc:v1:"

// Keyring holds the key notes are written under and the older keys they
// may still be stored under. A nil *Keyring stores notes as they are.
//
// The practice's private notes are encrypted at rest: AES-256-GCM with a
// random 96-bit nonce per write and the appointment id as additional
// authenticated data, stored as
//
//	enc:v1:<key id>:<base64(nonce | ciphertext | tag)>
//
// A note stored before a key was set is plain text and still reads; a
// note under a key this server does not have reads as locked (see
// tori.Appointment.NoteLocked). docs/ENCRYPTION.md has the rotation steps.
type Keyring struct {
	current *dataKey
	byID    map[string]*dataKey
}

type dataKey struct {
	id   string
	aead cipher.AEAD
}

// NewKeyring returns a keyring that writes under current and reads notes
// written under current or any of old. Each key must be KeySize bytes.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{byID: map[string]*dataKey{}}
	for i, raw := range append([][]byte{current}, old...) {
		dk, err := newDataKey(raw)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if i == 0 {
			k.current = dk
		}
		if _, dup := k.byID[dk.id]; !dup {
			k.byID[dk.id] = dk
		}
	}
	return k, nil
}

func newDataKey(raw []byte) (*dataKey, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("a data key is %d bytes, not %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &dataKey{id: KeyID(raw), aead: aead}, nil
}

// KeyID names a key without revealing it: the first 4 bytes of its
// SHA-256, in hex (the first 8 characters of `sha256sum` of the raw key).
func KeyID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}

// ID is the id of the key notes are written under ("" for a nil keyring).
func (k *Keyring) ID() string {
	if k == nil {
		return ""
	}
	return k.current.id
}

// Len is how many distinct keys the keyring reads with.
func (k *Keyring) Len() int {
	if k == nil {
		return 0
	}
	return len(k.byID)
}

// ids are the ids of every key the keyring reads with (none for nil).
func (k *Keyring) ids() []string {
	if k == nil {
		return nil
	}
	out := make([]string, 0, len(k.byID))
	for id := range k.byID {
		out = append(out, id)
	}
	return out
}

// noteAAD binds a sealed note to its appointment: moved to another, it
// does not open.
func noteAAD(id string) []byte { return []byte("note:" + id) }

// sealNote is how note is stored on appointment id: sealed under the
// current key, or as it is without a keyring (or when empty).
func (k *Keyring) sealNote(id, note string) string {
	if k == nil || note == "" {
		return note
	}
	ct := k.current.aead.Seal(nil, nil, []byte(note), noteAAD(id))
	return envelopeV1 + k.current.id + ":" + base64.RawStdEncoding.EncodeToString(ct)
}

// openNote reads a stored note of appointment id: plain text as it is; a
// sealed one opened, or locked when no key here opens it.
func (k *Keyring) openNote(id, stored string) (note string, locked bool) {
	kid, ct, ok := parseEnvelope(stored)
	if !ok {
		return stored, false
	}
	if k == nil || k.byID[kid] == nil {
		return "", true
	}
	pt, err := k.byID[kid].aead.Open(nil, nil, ct, noteAAD(id))
	if err != nil {
		return "", true
	}
	return string(pt), false
}

// parseEnvelope splits a sealed note into its key id and ciphertext. Only
// a whole, well-formed envelope counts: text that merely starts like one
// (a note typed before any key was set) is plain text.
func parseEnvelope(s string) (kid string, ct []byte, ok bool) {
	rest, ok := strings.CutPrefix(s, envelopeV1)
	if !ok {
		return "", nil, false
	}
	kid, b64, ok := strings.Cut(rest, ":")
	if !ok || len(kid) != 8 || strings.Trim(kid, "0123456789abcdef") != "" {
		return "", nil, false
	}
	ct, err := base64.RawStdEncoding.Strict().DecodeString(b64)
	if err != nil || len(ct) < 12+16 {
		return "", nil, false
	}
	return kid, ct, true
}
