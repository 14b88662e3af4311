package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// freeingKeep is how long a freeing's record stays.
const freeingKeep = 7 * 24 * time.Hour

// signature is what an entry asks for, so that a client asks for it once.
func signature(e tori.WaitEntry) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s", e.ServiceID, e.TherapistID, e.From, e.To, e.Part)
}

// addEntryScript adds an entry under the client's cap.
//
// KEYS[1] entries  KEYS[2] the client's set  KEYS[3] the entry  KEYS[4] endq  KEYS[5] the client's signatures  KEYS[6] seq
// ARGV[1] id  ARGV[2] (unused)  ARGV[3] JSON  ARGV[4] max  ARGV[5] signature  ARGV[6] ends ms
// Returns {"OK"} | {"HAVE", id} (the client asked for the same before) |
// {"LIMIT"}. Run again (a retried call), it changes nothing.
var addEntryScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return {'OK'} end
local have = redis.call('HGET', KEYS[5], ARGV[5])
if have then return {'HAVE', have} end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {'LIMIT'} end
redis.call('SET', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[6]), ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[5], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
return {'OK'}
`)

// AddWaitEntry implements tori.WaitlistStore.
func (s *Store) AddWaitEntry(ctx context.Context, e tori.WaitEntry, max int, ends time.Time) (tori.WaitEntry, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return tori.WaitEntry{}, formatError("join waitlist", err)
	}

	keys := []string{s.wlKey("entries"), s.wlKey("c", clientPart(e.Client.ID)), s.wlKey("e", e.ID), s.queueKey(tori.QueueWaitEnd, ""), s.wlKey("sig", clientPart(e.Client.ID)), s.wlKey("seq")}
	code, have, err := s.runScript(ctx, "join waitlist", addEntryScript, keys, e.ID, "", string(data), max, signature(e), ms(ends))
	switch {
	case err != nil:
		return tori.WaitEntry{}, err
	case code == "LIMIT":
		return tori.WaitEntry{}, tori.Errorf(tori.ELIMIT, "You can be on the waitlist for up to %d choices at once. Leave one in /my to add another.", max)
	case code == "HAVE":
		return s.WaitEntry(ctx, have)
	}
	return e, nil
}

// WaitEntry implements tori.WaitlistStore.
func (s *Store) WaitEntry(ctx context.Context, id string) (tori.WaitEntry, error) {
	v, err := s.Redis.Get(ctx, s.wlKey("e", id)).Result()
	if errors.Is(err, redis.Nil) {
		return tori.WaitEntry{}, tori.WrapError(tori.ENOTFOUND, err, "That waitlist entry was not found.")
	}
	if err != nil {
		return tori.WaitEntry{}, formatError("waitlist entry", err)
	}

	var e tori.WaitEntry
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return tori.WaitEntry{}, formatError("waitlist entry", err)
	}
	return e, nil
}

// entries reads entries by id, skipping any that are gone.
func (s *Store) entries(ctx context.Context, ids []string) ([]tori.WaitEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}

	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.wlKey("e", id)
	}
	vs, err := s.Redis.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, formatError("waitlist", err)
	}

	var out []tori.WaitEntry
	for _, v := range vs {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var e tori.WaitEntry
		if json.Unmarshal([]byte(str), &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// WaitEntries implements tori.WaitlistStore.
func (s *Store) WaitEntries(ctx context.Context) ([]tori.WaitEntry, error) {
	ids, err := s.Redis.ZRange(ctx, s.wlKey("entries"), 0, -1).Result()
	if err != nil {
		return nil, formatError("waitlist", err)
	}
	return s.entries(ctx, ids)
}

// ClientWaitEntries implements tori.WaitlistStore.
func (s *Store) ClientWaitEntries(ctx context.Context, clientID int64) ([]tori.WaitEntry, error) {
	ids, err := s.Redis.SMembers(ctx, s.wlKey("c", clientPart(clientID))).Result()
	if err != nil {
		return nil, formatError("waitlist", err)
	}
	out, err := s.entries(ctx, ids)
	sort.Slice(out, func(i, j int) bool { return out[i].Joined.Before(out[j].Joined) })
	return out, err
}

// RemoveWaitEntry implements tori.WaitlistStore.
func (s *Store) RemoveWaitEntry(ctx context.Context, id string) error {
	e, err := s.WaitEntry(ctx, id)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}

	c := clientPart(e.Client.ID)
	err = s.tx(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.wlKey("e", id), s.wlKey("dec", id))
		p.ZRem(ctx, s.wlKey("entries"), id)
		p.SRem(ctx, s.wlKey("c", c), id)
		p.HDel(ctx, s.wlKey("sig", c), signature(e))
		p.ZRem(ctx, s.queueKey(tori.QueueWaitEnd, ""), id)
		return nil
	})
	return formatError("leave waitlist", err)
}

// DeclineSlot implements tori.WaitlistStore.
func (s *Store) DeclineSlot(ctx context.Context, entryID string, start time.Time) error {
	err := s.tx(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.wlKey("dec", entryID), ms(start))
		p.Expire(ctx, s.wlKey("dec", entryID), 400*24*time.Hour)
		return nil
	})
	return formatError("decline offer", err)
}

// Declined implements tori.WaitlistStore.
func (s *Store) Declined(ctx context.Context, entryID string) (map[int64]bool, error) {
	vs, err := s.Redis.SMembers(ctx, s.wlKey("dec", entryID)).Result()
	if err != nil {
		return nil, formatError("declined offers", err)
	}

	out := map[int64]bool{}
	for _, v := range vs {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[n] = true
		}
	}
	return out, nil
}

// addFreeingScript records a freeing once and queues it.
//
// KEYS[1] the freeing  KEYS[2] offerq
// ARGV[1] id  ARGV[2] therapist  ARGV[3] start ms  ARGV[4] end ms  ARGV[5] now ms  ARGV[6] keep ms
// Returns {"OK"} | {"HAVE"} (recorded before: left as it is).
var addFreeingScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {'HAVE'} end
redis.call('HSET', KEYS[1], 'therapist', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'state', '', 'current', '', 'pending', '', 'by', '', 'ver', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return {'OK'}
`)

// AddFreeing implements tori.WaitlistStore. The steps of a freeing that
// follow are compare-and-set on its version ("ver"), so that two steps
// that overlap (a lapsed lease) cannot both act: the second gets ECONFLICT
// and changes nothing. "pending" is the entry an offer is being made to
// (its hold may exist or not); "current" the offer out.
func (s *Store) AddFreeing(ctx context.Context, f tori.Freeing, now time.Time) error {
	keys := []string{s.wlKey("f", f.ID), s.queueKey(tori.QueueWaitlist, "")}
	_, _, err := s.runScript(ctx, "record freed time", addFreeingScript, keys, f.ID, f.TherapistID, ms(f.Start), ms(f.End), ms(now), freeingKeep.Milliseconds())
	return err
}

// Freeing implements tori.WaitlistStore.
func (s *Store) Freeing(ctx context.Context, id string) (tori.Freeing, error) {
	var m *redis.MapStringStringCmd
	var offered *redis.StringSliceCmd
	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		m = p.HGetAll(ctx, s.wlKey("f", id))
		offered = p.SMembers(ctx, s.wlKey("fo", id))
		return nil
	})
	if err != nil {
		return tori.Freeing{}, formatError("freed time", err)
	}

	f := m.Val()
	if len(f) == 0 {
		return tori.Freeing{}, tori.Errorf(tori.ENOTFOUND, "No such freed time.")
	}

	start, _ := strconv.ParseInt(f["start"], 10, 64)
	end, _ := strconv.ParseInt(f["end"], 10, 64)
	ver, _ := strconv.Atoi(f["ver"])
	pendingAt, _ := strconv.ParseInt(f["pending_at"], 10, 64)
	return tori.Freeing{ID: id, TherapistID: f["therapist"], Start: fromMS(start), End: fromMS(end), Ver: ver,
		Current: f["current"], Pending: f["pending"], PendingAt: fromMS(pendingAt), Offered: offered.Val(), State: f["state"], FilledBy: f["by"]}, nil
}

// offerStepScript moves a freeing on by one compare-and-set step.
//
// KEYS[1] the freeing  KEYS[2] who was offered it  KEYS[3] the client's offer lock
// ARGV[1] ver  ARGV[2] what: begin | made | abort  ARGV[3] entry  ARGV[4] hold  ARGV[5] lock ms  ARGV[6] keep ms  ARGV[7] now ms
// begin: pending = entry, and the client's lock taken for the hold (BUSY
// when they have another offer). made: current = hold, entry offered.
// abort: pending cleared, the lock given back.
// Returns {"OK", newver} | {"CONFLICT"} | {"BUSY"}.
var offerStepScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'ver', 'state')
if not f[1] or f[1] ~= ARGV[1] or f[2] ~= '' then return {'CONFLICT'} end
if ARGV[2] == 'begin' then
  local l = redis.call('GET', KEYS[3])
  if l and l ~= ARGV[4] then return {'BUSY'} end
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
  redis.call('HSET', KEYS[1], 'pending', ARGV[3], 'pending_at', ARGV[7])
elseif ARGV[2] == 'made' then
  redis.call('HSET', KEYS[1], 'pending', '', 'current', ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
else
  redis.call('HSET', KEYS[1], 'pending', '')
  if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
end
local v = redis.call('HINCRBY', KEYS[1], 'ver', 1)
return {'OK', tostring(v)}
`)

// offerStep runs one step of offerStepScript on f (what: begin, made or
// abort) and returns f as the step left it.
func (s *Store) offerStep(ctx context.Context, f tori.Freeing, what, entryID string, clientID int64, holdID string, lock time.Duration, now time.Time) (tori.Freeing, error) {
	keys := []string{s.wlKey("f", f.ID), s.wlKey("fo", f.ID), s.wlKey("lock", clientPart(clientID))}
	code, ver, err := s.runScript(ctx, "offer "+what, offerStepScript, keys, f.Ver, what, entryID, holdID, max(lock.Milliseconds(), 1), freeingKeep.Milliseconds(), ms(now))
	switch {
	case err != nil:
		return f, err
	case code == "CONFLICT":
		return f, tori.Errorf(tori.ECONFLICT, "The freed time changed meanwhile.")
	case code == "BUSY":
		return f, tori.Errorf(tori.ELIMIT, "The client has another offer out.")
	}

	f.Ver, _ = strconv.Atoi(ver)
	switch what {
	case "begin":
		f.Pending, f.PendingAt = entryID, now
	case "made":
		f.Pending, f.Current, f.Offered = "", holdID, append(f.Offered, entryID)
	default:
		f.Pending = ""
	}
	return f, nil
}

// BeginOffer implements tori.WaitlistStore.
func (s *Store) BeginOffer(ctx context.Context, f tori.Freeing, entryID string, clientID int64, holdID string, lock time.Duration, now time.Time) (tori.Freeing, error) {
	return s.offerStep(ctx, f, "begin", entryID, clientID, holdID, lock, now)
}

// OfferMade implements tori.WaitlistStore.
func (s *Store) OfferMade(ctx context.Context, f tori.Freeing, clientID int64, holdID string) (tori.Freeing, error) {
	return s.offerStep(ctx, f, "made", f.Pending, clientID, holdID, 0, time.Time{})
}

// AbortOffer implements tori.WaitlistStore.
func (s *Store) AbortOffer(ctx context.Context, f tori.Freeing, clientID int64, holdID string) (tori.Freeing, error) {
	return s.offerStep(ctx, f, "abort", f.Pending, clientID, holdID, 0, time.Time{})
}

// ReleaseOfferLock implements tori.WaitlistStore.
func (s *Store) ReleaseOfferLock(ctx context.Context, clientID int64, holdID string) error {
	_, _, err := s.runScript(ctx, "release offer lock", releaseLockScript, []string{s.wlKey("lock", clientPart(clientID))}, holdID)
	return err
}

// releaseLockScript: KEYS[1] a lock  ARGV[1] its holder. Returns {"OK"}.
var releaseLockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'OK'}
`)

// endFreeingScript ends a freeing once.
//
// KEYS[1] the freeing  ARGV[1] state  ARGV[2] by  ARGV[3] ver, or -1 for any
// Returns {"OK"} | {"DONE"} (ended before, or gone) | {"CONFLICT"} (changed
// since ver). Run again with the same arguments (a retried call), it
// answers OK again.
var endFreeingScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'state', 'by', 'ver')
if f[1] == ARGV[1] and f[2] == ARGV[2] then return {'OK'} end
if f[1] == false or f[1] ~= '' then return {'DONE'} end
if ARGV[3] ~= '-1' and f[3] ~= ARGV[3] then return {'CONFLICT'} end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'by', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
return {'OK'}
`)

// EndFreeing implements tori.WaitlistStore.
func (s *Store) EndFreeing(ctx context.Context, id string, ver int, state, by string) (bool, error) {
	code, _, err := s.runScript(ctx, "end freed time", endFreeingScript, []string{s.wlKey("f", id)}, state, by, ver)
	if code == "CONFLICT" {
		return false, tori.Errorf(tori.ECONFLICT, "The freed time changed meanwhile.")
	}
	return code == "OK", err
}
