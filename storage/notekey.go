package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Why a store's keys do not fit the data's marker (NotesKeyError.Reason).
const (
	KeyMissing    = "missing"    // notes here are encrypted; the store has no key
	KeyRetired    = "retired"    // the store's key was replaced by a later one
	KeyUnreadable = "unreadable" // the store cannot read notes under the current key
)

// NotesKeyError refuses a store whose keys do not fit the data's marker.
type NotesKeyError struct {
	Reason  string // KeyMissing, KeyRetired or KeyUnreadable
	Current string // the key id the data's notes are written under
}

func (e *NotesKeyError) Error() string {
	return "storage: notes here are written under key " + e.Current + ": this store's keys are " + e.Reason
}

// notesKeyScript checks a process's keys against the data's marker, sets
// it for the first key, and moves it to a new key that can read the
// current one. A retry finds the marker already there: OK.
//
// KEYS[1] the marker (notesKeyKey)
// ARGV[1] the process's current key id ("" without a key)
// ARGV[2] every key id it reads, space-separated  ARGV[3] now ms
// Returns {"PLAIN"} (no key, no marker) | {"OK", id} | {"SET", id} |
// {"MOVED", previous id} | {"MISSING"|"RETIRED"|"UNREADABLE", current id}.
var notesKeyScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'current')
if ARGV[1] == '' then
  if cur then return {'MISSING', cur} end
  return {'PLAIN'}
end
if not cur then
  redis.call('HSET', KEYS[1], 'current', ARGV[1], 'since', ARGV[3])
  return {'SET', ARGV[1]}
end
if cur == ARGV[1] then return {'OK', cur} end
if redis.call('HEXISTS', KEYS[1], 'retired:' .. ARGV[1]) == 1 then return {'RETIRED', cur} end
for id in string.gmatch(ARGV[2], '%S+') do
  if id == cur then
    redis.call('HSET', KEYS[1], 'current', ARGV[1], 'since', ARGV[3], 'retired:' .. cur, ARGV[3])
    return {'MOVED', cur}
  end
end
return {'UNREADABLE', cur}
`)

// CheckNotesKey holds the store's keys against the data's marker, at a
// process's start: with no key and no marker, notes stay plain ("", "");
// the first key sets the marker; a key that reads the notes under the
// current one becomes current (moved is the key it replaced). A
// *NotesKeyError refuses keys that do not fit.
//
// Once a process with a data key has started on a Redis, that data's notes
// are encrypted for good: the marker (notesKeyKey) names the key they are
// written under, and a process that could not keep that promise (no key,
// a replaced key, a keyring without the marker's key) is refused at start
// instead of writing notes in plain text or under a key the others cannot
// read. The marker moves only forward, to a key whose process can read the
// notes under the current one (docs/ENCRYPTION.md has the phases).
func (s *Store) CheckNotesKey(ctx context.Context, now time.Time) (current, moved string, err error) {
	code, id, err := s.runScript(ctx, "notes key", notesKeyScript, []string{s.notesKeyKey()}, s.Keys.ID(), strings.Join(s.Keys.ids(), " "), ms(now))
	if err != nil {
		return "", "", err
	}

	switch code {
	case "PLAIN":
		return "", "", nil
	case "OK", "SET":
		return id, "", nil
	case "MOVED":
		return s.Keys.ID(), id, nil
	}

	reason := map[string]string{"MISSING": KeyMissing, "RETIRED": KeyRetired, "UNREADABLE": KeyUnreadable}[code]
	if reason == "" {
		return "", "", formatError("notes key", fmt.Errorf("unexpected answer %q", code))
	}
	return id, "", &NotesKeyError{Reason: reason, Current: id}
}
