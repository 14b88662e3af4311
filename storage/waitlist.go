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

// The waitlist's keys share the hash tag {wl}, so that its scripts touch
// one cluster slot:
//
//	{wl}:entries        ZSET entry id -> its place in line (from {wl}:seq)
//	{wl}:seq            STRING the last place given
//	{wl}:e:<id>         STRING the entry, JSON
//	{wl}:c:<client>     SET the client's entry ids
//	{wl}:sig:<client>   HASH what an entry asks for -> its id (joining twice is one entry)
//	{wl}:dec:<entry>    SET start times (unix ms) the entry's client declined
//	{wl}:f:<id>         HASH a freeing: therapist, start, end, current, state, by
//	{wl}:fo:<id>        SET the entries a freeing was offered to
//	{wl}:offerq         ZSET freeings due a step (a queue of due work)
//	{wl}:endq           ZSET entries by when they end (a queue of due work)

func (s *Store) wlKey(parts ...string) string {
	k := s.Prefix + "{wl}"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func clientPart(id int64) string { return strconv.FormatInt(id, 10) }

// freeingKeep is how long a freeing's record stays.
const freeingKeep = 7 * 24 * time.Hour

func signature(e tori.WaitEntry) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s", e.ServiceID, e.TherapistID, e.From, e.To, e.Part)
}

// addEntryScript adds an entry under the client's cap.
//
// KEYS[1] entries  KEYS[2] the client's set  KEYS[3] the entry  KEYS[4] endq  KEYS[5] the client's signatures  KEYS[6] seq
// ARGV[1] id  ARGV[2] (unused)  ARGV[3] JSON  ARGV[4] max  ARGV[5] signature  ARGV[6] ends ms
// Returns {"OK"} | {"LIMIT"}. Run again (a retried call), it changes nothing.
var addEntryScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return {'OK'} end
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
	sig := signature(e)
	if id, err := s.Redis.HGet(ctx, s.wlKey("sig", clientPart(e.Client.ID)), sig).Result(); err == nil {
		if have, err := s.WaitEntry(ctx, id); err == nil {
			return have, nil
		}
	} else if !errors.Is(err, redis.Nil) {
		return tori.WaitEntry{}, formatError("join waitlist", err)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return tori.WaitEntry{}, formatError("join waitlist", err)
	}
	keys := []string{s.wlKey("entries"), s.wlKey("c", clientPart(e.Client.ID)), s.wlKey("e", e.ID), s.queueKey(tori.QueueWaitEnd, ""), s.wlKey("sig", clientPart(e.Client.ID)), s.wlKey("seq")}
	code, _, err := s.runScript(ctx, "join waitlist", addEntryScript, keys, e.ID, ms(e.Joined), string(data), max, sig, ms(ends))
	if err != nil {
		return tori.WaitEntry{}, err
	}
	if code == "LIMIT" {
		return tori.WaitEntry{}, tori.Errorf(tori.ELIMIT, "You can be on the waitlist for up to %d choices at once. Leave one in /my to add another.", max)
	}
	return e, nil
}

// WaitEntry implements tori.WaitlistStore.
func (s *Store) WaitEntry(ctx context.Context, id string) (tori.WaitEntry, error) {
	v, err := s.Redis.Get(ctx, s.wlKey("e", id)).Result()
	if errors.Is(err, redis.Nil) {
		return tori.WaitEntry{}, tori.Errorf(tori.ENOTFOUND, "That waitlist entry was not found.")
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
	_, err = s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
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
	_, err := s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
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

// AddFreeing implements tori.WaitlistStore.
func (s *Store) AddFreeing(ctx context.Context, f tori.Freeing, now time.Time) error {
	_, err := s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.wlKey("f", f.ID), "therapist", f.TherapistID, "start", ms(f.Start), "end", ms(f.End), "state", "", "current", "", "by", "")
		p.PExpire(ctx, s.wlKey("f", f.ID), freeingKeep)
		p.ZAdd(ctx, s.queueKey(tori.QueueWaitlist, ""), redis.Z{Score: float64(ms(now)), Member: f.ID})
		return nil
	})
	return formatError("record freed time", err)
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
	return tori.Freeing{ID: id, TherapistID: f["therapist"], Start: fromMS(start), End: fromMS(end),
		Current: f["current"], Offered: offered.Val(), State: f["state"], FilledBy: f["by"]}, nil
}

// OfferMade implements tori.WaitlistStore.
func (s *Store) OfferMade(ctx context.Context, freeingID, entryID, holdID string) error {
	_, err := s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.wlKey("f", freeingID), "current", holdID)
		p.SAdd(ctx, s.wlKey("fo", freeingID), entryID)
		p.PExpire(ctx, s.wlKey("fo", freeingID), freeingKeep)
		return nil
	})
	return formatError("record offer", err)
}

// endFreeingScript ends a freeing once.
//
// KEYS[1] the freeing  ARGV[1] state  ARGV[2] by
// Returns {"OK"} | {"DONE"} (ended before, or gone). Run again with the
// same arguments (a retried call), it answers OK again.
var endFreeingScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'state', 'by')
local st = f[1]
if st == ARGV[1] and f[2] == ARGV[2] then return {'OK'} end
if st == false or st ~= '' then return {'DONE'} end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'by', ARGV[2])
return {'OK'}
`)

// EndFreeing implements tori.WaitlistStore.
func (s *Store) EndFreeing(ctx context.Context, id, state, by string) (bool, error) {
	code, _, err := s.runScript(ctx, "end freed time", endFreeingScript, []string{s.wlKey("f", id)}, state, by)
	return code == "OK", err
}
