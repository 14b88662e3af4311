package storage

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// Clients without Telegram (tori.OfflineStore): the practice's records of
// them live under the hash tag {o} (offlineKey); their appointments are
// indexed by their id like anyone's ({c:<id>}).
var _ tori.OfflineStore = (*Store)(nil)

// createOfflineScript keeps a new record, unless one of its phone is kept.
//
// KEYS[1] the record  KEYS[2] the phone index  KEYS[3] every record by creation
// ARGV[1] id  ARGV[2] name  ARGV[3] phone  ARGV[4] now ms
// Returns {"OK"} | {"EXISTS", id of the record of that phone}.
var createOfflineScript = redis.NewScript(`
local other = redis.call('HGET', KEYS[2], ARGV[3])
if other then return {'EXISTS', other} end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'phone', ARGV[3], 'created', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return {'OK'}
`)

// CreateOfflineClient implements tori.OfflineStore. The number is taken
// first: a crash before the record is written loses a number, nothing
// else. A retry finds its own record by the phone (same name): done.
func (s *Store) CreateOfflineClient(ctx context.Context, o tori.OfflineClient, now time.Time) (tori.OfflineClient, error) {
	n, err := s.Redis.Incr(ctx, s.offlineKey("seq")).Result()
	if err != nil {
		return o, formatError("offline client: number", err)
	}
	o.ID, o.Created = tori.OfflineBase+n, now.UTC().Truncate(time.Millisecond)

	keys := []string{s.offlineRecordKey(o.ID), s.offlineKey("phone"), s.offlineKey("all")}
	code, other, err := s.runScript(ctx, "offline client: create", createOfflineScript, keys, o.ID, o.Name, o.Phone, ms(now))
	if err != nil || code == "OK" {
		return o, err
	}
	id, _ := strconv.ParseInt(other, 10, 64)
	kept, err := s.OfflineClient(ctx, id)
	if err != nil {
		return o, err
	}
	if kept.Name == o.Name {
		return kept, nil
	}
	return kept, tori.Errorf(tori.ECONFLICT, "A client with the phone %s is already kept: %s.", o.Phone, kept.Name)
}

// OfflineClient implements tori.OfflineStore.
func (s *Store) OfflineClient(ctx context.Context, id int64) (tori.OfflineClient, error) {
	if !tori.IsOfflineClient(id) {
		return tori.OfflineClient{}, tori.Errorf(tori.ENOTFOUND, "No client without Telegram has this number.")
	}
	m, err := s.Redis.HGetAll(ctx, s.offlineRecordKey(id)).Result()
	if err != nil {
		return tori.OfflineClient{}, formatError("offline client", err)
	}
	if m["name"] == "" {
		return tori.OfflineClient{}, tori.Errorf(tori.ENOTFOUND, "No client without Telegram has this number.")
	}
	return offlineOf(id, m), nil
}

// offlineOf reads a record's hash.
func offlineOf(id int64, m map[string]string) tori.OfflineClient {
	num := func(k string) int64 { n, _ := strconv.ParseInt(m[k], 10, 64); return n }
	return tori.OfflineClient{ID: id, Name: m["name"], Phone: m["phone"], Created: fromMS(num("created")),
		Became: num("became"), Attached: fromMS(num("attached"))}
}

// maxOfflineScan is the most records a search reads: a practice's clients
// without Telegram, read in one round trip.
const maxOfflineScan = 5000

// FindOfflineClients implements tori.OfflineStore: by phone through the
// phone index, else by name among the records (newest first).
func (s *Store) FindOfflineClients(ctx context.Context, q, code string, n int) ([]tori.OfflineClient, error) {
	if phone, err := tori.NormalizePhone(q, code); err == nil {
		id, err := s.Redis.HGet(ctx, s.offlineKey("phone"), phone).Int64()
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		if err != nil {
			return nil, formatError("offline client: phone", err)
		}
		o, err := s.OfflineClient(ctx, id)
		if tori.ErrorCode(err) == tori.ENOTFOUND {
			return nil, nil
		}
		return []tori.OfflineClient{o}, err
	}

	ids, err := s.Redis.ZRevRange(ctx, s.offlineKey("all"), 0, maxOfflineScan-1).Result()
	if err != nil {
		return nil, formatError("offline client: find", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			n, _ := strconv.ParseInt(id, 10, 64)
			cmds[i] = p.HGetAll(ctx, s.offlineRecordKey(n))
		}
		return nil
	}); err != nil {
		return nil, formatError("offline client: find", err)
	}

	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	var out []tori.OfflineClient
	for i, c := range cmds {
		m := c.Val()
		if m["name"] != "" && strings.Contains(strings.ToLower(m["name"]), q) && len(out) < n {
			id, _ := strconv.ParseInt(ids[i], 10, 64)
			out = append(out, offlineOf(id, m))
		}
	}
	return out, nil
}

// newInviteScript makes a record's invite link, replacing the one before
// (compare-and-set on it, so two at once leave one).
//
// KEYS[1] the record  KEYS[2] the new token  KEYS[3] the token before (or KEYS[2])
// ARGV[1] id  ARGV[2] the new token  ARGV[3] the token before ("" none)
// ARGV[4] until ms  ARGV[5] how long the token is kept, ms  ARGV[6] now ms
// Returns {"OK"} | {"GONE"} | {"BECAME"} | {"AGAIN"} (the token before changed: read it again).
var newInviteScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], 'name') == 0 then return {'GONE'} end
if (redis.call('HGET', KEYS[1], 'became') or '') ~= '' then return {'BECAME'} end
if (redis.call('HGET', KEYS[1], 'invite') or '') ~= ARGV[3] then return {'AGAIN'} end
if ARGV[3] ~= '' then redis.call('DEL', KEYS[3]) end
redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. ARGV[4], 'PX', ARGV[5])
redis.call('HSET', KEYS[1], 'invite', ARGV[2])
return {'OK'}
`)

// inviteKept is how long past its end an invite's token is kept, so that
// a late tap is told the link expired, not that it is unknown.
const inviteKept = 30 * 24 * time.Hour

// NewInvite implements tori.OfflineStore.
func (s *Store) NewInvite(ctx context.Context, id int64, until, now time.Time) (tori.Invite, error) {
	inv := tori.Invite{Token: tori.NewInviteToken(), Until: until.UTC().Truncate(time.Millisecond)}
	for range 3 {
		before, err := s.Redis.HGet(ctx, s.offlineRecordKey(id), "invite").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return inv, formatError("invite", err)
		}
		old := s.inviteKey(inv.Token)
		if before != "" {
			old = s.inviteKey(before)
		}

		keys := []string{s.offlineRecordKey(id), s.inviteKey(inv.Token), old}
		keep := until.Sub(now) + inviteKept
		code, _, err := s.runScript(ctx, "invite", newInviteScript, keys, id, inv.Token, before, ms(until), keep.Milliseconds(), ms(now))
		switch {
		case err != nil:
			return inv, err
		case code == "OK":
			return inv, nil
		case code == "GONE":
			return inv, tori.Errorf(tori.ENOTFOUND, "This client's record is gone.")
		case code == "BECAME":
			return inv, tori.Errorf(tori.ECONFLICT, "This client already uses Telegram with the bot: no invite is needed.")
		}
	}
	return inv, tori.Errorf(tori.ECONFLICT, "Another invite for this client was being made at the same moment: try again.")
}

// forgetOfflineScript deletes a record, its phone's entry and its invite.
//
// KEYS[1] the record  KEYS[2] the phone index  KEYS[3] every record  KEYS[4] its invite's token (or KEYS[1])
// ARGV[1] id
// Returns {"OK"}.
var forgetOfflineScript = redis.NewScript(`
local phone = redis.call('HGET', KEYS[1], 'phone')
if phone and redis.call('HGET', KEYS[2], phone) == ARGV[1] then redis.call('HDEL', KEYS[2], phone) end
redis.call('DEL', KEYS[4], KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return {'OK'}
`)

// ForgetOfflineClient implements tori.OfflineStore.
func (s *Store) ForgetOfflineClient(ctx context.Context, id int64) error {
	rec := s.offlineRecordKey(id)
	inv, err := s.Redis.HGet(ctx, rec, "invite").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return formatError("forget offline client", err)
	}
	token := rec
	if inv != "" {
		token = s.inviteKey(inv)
	}
	_, _, err = s.runScript(ctx, "forget offline client", forgetOfflineScript,
		[]string{rec, s.offlineKey("phone"), s.offlineKey("all"), token}, id)
	return err
}
