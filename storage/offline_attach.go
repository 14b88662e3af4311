package storage

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/fault"
)

// claimInviteScript claims an invite for a Telegram user: the first one
// only. The record remembers who it became, and its attachment's intent is
// written in the same step, so that a crash before the appointments moved
// is finished by a retry or the worker (FinishAttaches).
//
// KEYS[1] the token  KEYS[2] the record  KEYS[3] the attachments under way
// ARGV[1] record id  ARGV[2] the Telegram user's id  ARGV[3] the token  ARGV[4] now ms
// Returns {"OK"} | {"AGAIN"} (this user claimed it before) | {"USED"} |
// {"EXPIRED"} | {"GONE"} (no such invite or record).
var claimInviteScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or redis.call('HEXISTS', KEYS[2], 'name') == 0 then return {'GONE'} end
local id, untilMs = string.match(v, '^(%d+) (%d+)$')
if id ~= ARGV[1] then return {'GONE'} end
local became = redis.call('HGET', KEYS[2], 'became') or ''
if became == ARGV[2] then return {'AGAIN'} end
if became ~= '' or redis.call('HGET', KEYS[2], 'invite') ~= ARGV[3] then return {'USED'} end
if tonumber(ARGV[4]) > tonumber(untilMs) then return {'EXPIRED'} end
redis.call('HSET', KEYS[2], 'became', ARGV[2], 'attached', ARGV[4])
redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[1])
return {'OK'}
`)

// ClaimInvite implements tori.OfflineStore.
func (s *Store) ClaimInvite(ctx context.Context, token string, who tori.Client, now time.Time) (tori.Attached, error) {
	gone := tori.Errorf(tori.EEXPIRED, "This invite link was already used or has expired.")
	v, err := s.Redis.Get(ctx, s.inviteKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		return tori.Attached{}, gone
	}
	if err != nil {
		return tori.Attached{}, formatError("claim invite", err)
	}
	idPart, _, _ := strings.Cut(v, " ")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || !tori.IsOfflineClient(id) {
		return tori.Attached{}, gone
	}

	keys := []string{s.inviteKey(token), s.offlineRecordKey(id), s.offlineKey("attach")}
	code, _, err := s.runScript(ctx, "claim invite", claimInviteScript, keys, id, who.ID, token, ms(now))
	if err != nil {
		return tori.Attached{}, err
	}
	if code != "OK" && code != "AGAIN" {
		return tori.Attached{}, gone
	}

	if err := s.attach(ctx, id, who, now); err != nil {
		return tori.Attached{}, err
	}
	rec, err := s.OfflineClient(ctx, id)
	return tori.Attached{Record: rec, Client: who, Again: code == "AGAIN"}, err
}

// FinishAttaches implements tori.OfflineStore: the attachments whose
// intent is older than a minute (not one a process is doing now).
func (s *Store) FinishAttaches(ctx context.Context, n int, now time.Time) (int, error) {
	ids, err := s.indexBefore(ctx, s.offlineKey("attach"), now.Add(-time.Minute), n)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, m := range ids {
		id, _ := strconv.ParseInt(m, 10, 64)
		rec, err := s.OfflineClient(ctx, id)
		switch {
		case tori.ErrorCode(err) == tori.ENOTFOUND || err == nil && rec.Became == 0:
			err = formatError("attach: intent", s.Redis.ZRem(ctx, s.offlineKey("attach"), m).Err())
		case err == nil:
			err = s.attach(ctx, id, tori.Client{ID: rec.Became, ChatID: rec.Became}, now)
		}
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// attachApptsScript gives a therapist's appointments of a client without
// Telegram to a Telegram user; one already theirs is left as it is, so a
// retry does nothing twice.
//
// KEYS[1] span  KEYS[2..] the appointments' hashes
// ARGV[1] the record's id  ARGV[2] the user's id (also their chat)
// ARGV[3] username ("" keeps it)  ARGV[4] language ("" keeps it)  ARGV[5] now ms
// ARGV[6..] the appointments' ids, in the order of KEYS[2..]
// Returns {"OK", how many moved}.
var attachApptsScript = redis.NewScript(`
local moved = 0
for i = 2, #KEYS do
  if redis.call('HGET', KEYS[i], 'client') == ARGV[1] then
    redis.call('HSET', KEYS[i], 'client', ARGV[2], 'chat', ARGV[2], 'updated_at', ARGV[5])
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[i], 'username', ARGV[3]) end
    if ARGV[4] ~= '' then redis.call('HSET', KEYS[i], 'lang', ARGV[4]) end
    local id = ARGV[4 + i]
    local sp = redis.call('HGET', KEYS[1], id)
    if sp then
      local bend, hold = string.match(sp, '^(%S+) (%S+)')
      if bend then redis.call('HSET', KEYS[1], id, bend .. ' ' .. hold .. ' ' .. ARGV[2]) end
    end
    moved = moved + 1
  end
end
return {'OK', tostring(moved)}
`)

// attach moves what is kept under record id to who's id, in steps each
// atomic in its slot and idempotent: every therapist's appointments, then
// who's index, strikes and prepayment setting, then the record's own
// keys, and last the intent.
func (s *Store) attach(ctx context.Context, id int64, who tori.Client, now time.Time) error {
	entries, err := s.Redis.ZRangeWithScores(ctx, s.clientIndexKey(id), 0, -1).Result()
	if err != nil {
		return formatError("attach: index", err)
	}

	// The appointments, one script per therapist.
	byTherapist := map[string][]string{}
	for _, e := range entries {
		aid, _ := e.Member.(string)
		if tid, ok := tori.TherapistOfID(aid); ok {
			byTherapist[tid] = append(byTherapist[tid], aid)
		}
	}
	for tid, ids := range byTherapist {
		keys := []string{s.spanKey(tid)}
		args := []any{id, who.ID, who.Username, who.Lang, ms(now)}
		for _, aid := range ids {
			keys = append(keys, s.appointmentKey(tid, aid))
			args = append(args, aid)
		}
		if _, _, err := s.runScript(ctx, "attach: appointments", attachApptsScript, keys, args...); err != nil {
			return err
		}
		fault.Point("offline.attach_midway")
	}

	return s.attachIndexes(ctx, id, who, entries, now)
}

// attachIndexes is attach's second half: who's own slot gets the
// record's index entries, strikes and prepayment setting, then the
// record's keys and the intent go.
func (s *Store) attachIndexes(ctx context.Context, id int64, who tori.Client, entries []redis.Z, now time.Time) error {
	var strikesCmd *redis.ZSliceCmd
	var prepayCmd *redis.StringCmd
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		strikesCmd = p.ZRangeWithScores(ctx, s.strikesKey(id), 0, -1)
		prepayCmd = p.HGet(ctx, s.profileKey(id), "prepay")
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return formatError("attach: record's client", err)
	}
	strikes, prepay := strikesCmd.Val(), prepayCmd.Val()

	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		if len(entries) > 0 {
			p.ZAddGT(ctx, s.clientIndexKey(who.ID), entries...)
		}
		if len(strikes) > 0 {
			p.ZAddNX(ctx, s.strikesKey(who.ID), strikes...)
		}
		if prepay != "" {
			p.HSetNX(ctx, s.profileKey(who.ID), "prepay", prepay)
		}
		p.HSet(ctx, s.profileKey(who.ID), "offline", id) // their erasure erases the record too
		s.queueSeen(ctx, p, who.ID, now)
		return nil
	})
	if err != nil {
		return formatError("attach: client", err)
	}

	_, err = s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.clientIndexKey(id), s.strikesKey(id), s.profileKey(id))
		p.ZRem(ctx, s.offlineKey("attach"), strconv.FormatInt(id, 10))
		return nil
	})
	return formatError("attach: done", err)
}

// attachedPhone is the phone of the record (its id, "" for none) a
// client attached to by an invite.
func (s *Store) attachedPhone(ctx context.Context, record string) (string, error) {
	id, err := strconv.ParseInt(record, 10, 64)
	if err != nil {
		return "", nil
	}
	phone, err := s.Redis.HGet(ctx, s.offlineRecordKey(id), "phone").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return phone, formatError("client record: phone", err)
}

// eraseAttachedRecord erases the practice's record of a client from
// before they attached to Telegram (found through their profile, which
// erasure deletes last, so a retry finds it again).
func (s *Store) eraseAttachedRecord(ctx context.Context, clientID int64) error {
	record, err := s.Redis.HGet(ctx, s.profileKey(clientID), "offline").Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return formatError("erase: record", err)
	}
	id, err := strconv.ParseInt(record, 10, 64)
	if err != nil {
		return nil
	}
	return s.ForgetOfflineClient(ctx, id)
}
