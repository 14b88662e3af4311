package storage

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/fault"
)

// Clients' activity (tori.PrivacyStore): clientsKey records when each
// client last did something that stores data about them (a hold, joining
// the waitlist, choosing a language), so that retention also forgets
// those who never had a booking go through, whom the kept index never
// reaches.

// queueSeen records the client's activity at now (never moving it back).
func (s *Store) queueSeen(ctx context.Context, p redis.Pipeliner, clientID int64, now time.Time) {
	p.ZAddGT(ctx, s.clientsKey(), redis.Z{Score: float64(ms(now)), Member: strconv.FormatInt(clientID, 10)})
}

// IdleClients implements tori.PrivacyStore.
func (s *Store) IdleClients(ctx context.Context, cutoff time.Time, n int) ([]int64, error) {
	members, err := s.indexBefore(ctx, s.clientsKey(), cutoff, n)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}

// settleIdleScript ends a client's turn in the activity index, unless they
// were active since it was read: "forget" removes them (forgotten),
// "again" re-scores them to now (they have something kept: looked at again
// a period later).
//
// KEYS[1] the activity index
// ARGV[1] client  ARGV[2] cutoff ms  ARGV[3] "forget" | "again"  ARGV[4] now ms
// Returns {"OK"} | {"ACTIVE"} (active since, or not there).
var settleIdleScript = redis.NewScript(`
local sc = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not sc or tonumber(sc) >= tonumber(ARGV[2]) then return {'ACTIVE'} end
if ARGV[3] == 'forget' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1]) end
return {'OK'}
`)

// ForgetIdle implements tori.PrivacyStore.
func (s *Store) ForgetIdle(ctx context.Context, clientID int64, cutoff, now time.Time) (bool, error) {
	member := strconv.FormatInt(clientID, 10)
	score, err := s.Redis.ZScore(ctx, s.clientsKey(), member).Result()
	if errors.Is(err, redis.Nil) || err == nil && int64(score) >= ms(cutoff) {
		return false, nil
	}
	if err != nil {
		return false, formatError("retention: idle", err)
	}
	settled := false
	forgotten, err := s.forgetThen(ctx, clientID, now, func(forgotten bool) error {
		mode := "again"
		if forgotten {
			mode = "forget"
		}
		code, _, err := s.runScript(ctx, "retention: idle", settleIdleScript, []string{s.clientsKey()}, member, ms(cutoff), mode, ms(now))
		settled = code == "OK"
		return err
	})
	return forgotten && settled, err
}

// ForgetsUnderWay implements tori.PrivacyStore.
func (s *Store) ForgetsUnderWay(ctx context.Context, n int) ([]int64, error) {
	members, err := s.Redis.ZRange(ctx, s.forgetsKey(), 0, int64(n)-1).Result()
	if err != nil {
		return nil, formatError("retention: forgets", err)
	}
	out := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}

// FinishForget implements tori.PrivacyStore: the forgetting runs again
// (its idle check included), and the client's activity entry goes unless
// they were active since it began.
func (s *Store) FinishForget(ctx context.Context, clientID int64, now time.Time) (bool, error) {
	member := strconv.FormatInt(clientID, 10)
	begun, err := s.Redis.ZScore(ctx, s.forgetsKey(), member).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil // finished meanwhile
	}
	if err != nil {
		return false, formatError("retention: forgets", err)
	}
	return s.forgetThen(ctx, clientID, now, func(forgotten bool) error {
		if !forgotten {
			return nil
		}
		_, _, err := s.runScript(ctx, "retention: idle", settleIdleScript, []string{s.clientsKey()}, member, int64(begun)+1, "forget", ms(now))
		return err
	})
}

// forgetThen forgets the client if they have nothing kept (forgetIfIdle),
// then runs settle, the step of the activity index, then ends the
// forgetting's intent. An error leaves the intent for the next run.
func (s *Store) forgetThen(ctx context.Context, clientID int64, now time.Time, settle func(forgotten bool) error) (bool, error) {
	forgotten, err := s.forgetIfIdle(ctx, clientID, now)
	if err != nil {
		return false, err
	}
	if err := settle(forgotten); err != nil {
		return forgotten, err
	}
	err = s.Redis.ZRem(ctx, s.forgetsKey(), strconv.FormatInt(clientID, 10)).Err()
	return forgotten, formatError("retention: forgets", err)
}

// forgetIfIdle forgets the client (profile, strikes, @username index,
// the stale entries of their index, their ended waitlist entries) when
// they have nothing left: no appointment of theirs in the kept index, no
// live hold, no waitlist entry still running, no erasure under way.
// The last three are checked again atomically in their slot
// (forgetClientScript "idle"). Its steps are in several slots: the
// intent (forgetsKey) is written before the first, so that a crash
// midway is finished by the next run (FinishForget) and never leaves
// half a person.
func (s *Store) forgetIfIdle(ctx context.Context, clientID int64, now time.Time) (bool, error) {
	stale, busy, err := s.staleEntries(ctx, clientID, now)
	if err != nil || busy {
		return false, err
	}
	ended, running, err := s.endedWaitEntries(ctx, clientID, now)
	if err != nil || running {
		return false, err
	}

	// The intent first; kept with when it began.
	intent := redis.Z{Score: float64(ms(now)), Member: strconv.FormatInt(clientID, 10)}
	if err := s.Redis.ZAddNX(ctx, s.forgetsKey(), intent).Err(); err != nil {
		return false, formatError("retention: forgets", err)
	}

	// The @usernames while the ended entries still name them, then those
	// entries, then the client's own slot.
	if err := s.forgetUsernames(ctx, clientID, nil); err != nil {
		return false, err
	}
	for _, id := range ended {
		if err := s.RemoveWaitEntry(ctx, id); err != nil {
			return false, err
		}
	}
	fault.Point("retention.forget_midway")
	return s.forgetClient(ctx, clientID, clientID, "idle", stale, now)
}

// staleEntries reads the client's index through to the appointments. busy:
// one is kept (its retention forgets them later) or held now; else stale
// are the entries to drop (lapsed holds, anonymised appointments, ids
// whose record is gone).
func (s *Store) staleEntries(ctx context.Context, clientID int64, now time.Time) (stale []string, busy bool, err error) {
	ids, err := s.Redis.ZRange(ctx, s.clientIndexKey(clientID), 0, -1).Result()
	if err != nil {
		return nil, false, formatError("retention: client", err)
	}
	type rec struct {
		f    *redis.SliceCmd
		kept *redis.FloatCmd
	}
	recs := make([]rec, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			if tid, ok := tori.TherapistOfID(id); ok {
				recs[i] = rec{p.HMGet(ctx, s.appointmentKey(tid, id), "client", "status", "hold_until"), p.ZScore(ctx, s.keptKey(tid), id)}
			}
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, formatError("retention: client", err)
	}
	me := strconv.FormatInt(clientID, 10)
	for i, r := range recs {
		if r.f != nil && keeps(r.f.Val(), r.kept.Err() == nil, me, now) {
			return nil, true, nil
		}
		stale = append(stale, ids[i])
	}
	return stale, false, nil
}

// keeps reports whether an appointment (its client, status and hold end)
// keeps client me: it is theirs, and kept or held at now.
func keeps(f []any, kept bool, me string, now time.Time) bool {
	client, _ := f[0].(string)
	status, _ := f[1].(string)
	hold, _ := f[2].(string)
	until, _ := strconv.ParseInt(hold, 10, 64)
	return client == me && (kept || status == string(tori.StatusHeld) && until > ms(now))
}

// endedWaitEntries returns the client's waitlist entries whose last day
// has passed (their end in the waitlist's end queue is before now, or
// they are not in it), and whether any other is still running.
func (s *Store) endedWaitEntries(ctx context.Context, clientID int64, now time.Time) ([]string, bool, error) {
	ids, err := s.Redis.SMembers(ctx, s.wlKey("c", clientPart(clientID))).Result()
	if err != nil {
		return nil, false, formatError("retention: waitlist", err)
	}
	ends := make([]*redis.FloatCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			ends[i] = p.ZScore(ctx, s.queueKey(tori.QueueWaitEnd, ""), id)
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, formatError("retention: waitlist", err)
	}
	var ended []string
	for i, e := range ends {
		if e.Err() == nil && int64(e.Val()) > ms(now) {
			return nil, true, nil
		}
		ended = append(ended, ids[i])
	}
	return ended, false, nil
}

// BackfillClients implements tori.PrivacyStore: every client with a
// profile stored before the activity index existed enters it as active at
// now, once for the database.
func (s *Store) BackfillClients(ctx context.Context, now time.Time) (int, error) {
	if n, err := s.Redis.Exists(ctx, s.clientsBackfilledKey()).Result(); err != nil || n == 1 {
		return 0, formatError("backfill clients", err)
	}
	added := 0
	err := s.scanKeys(ctx, s.profileGlob(), func(key string) error {
		id, ok := s.profileClient(key)
		if !ok {
			return nil
		}
		n, err := s.Redis.ZAddNX(ctx, s.clientsKey(), redis.Z{Score: float64(ms(now)), Member: id}).Result()
		added += int(n)
		return err
	})
	if err != nil {
		return added, formatError("backfill clients", err)
	}
	return added, formatError("backfill clients", s.Redis.Set(ctx, s.clientsBackfilledKey(), "1", 0).Err())
}

// scanKeys calls fn with every key that matches pattern (a SCAN pattern
// built in keys.go), on every master of a cluster. The masters are scanned
// side by side, but fn is called one key at a time.
func (s *Store) scanKeys(ctx context.Context, pattern string, fn func(key string) error) error {
	var mu sync.Mutex
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			err := fn(iter.Val())
			mu.Unlock()
			if err != nil {
				return err
			}
		}
		return iter.Err()
	}
	switch c := s.Redis.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, scan)
	case *redis.Client:
		return scan(ctx, c)
	}
	return errors.New("a scan needs a single server or a cluster client")
}
