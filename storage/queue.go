package storage

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// claimScript claims up to n items due at or before now.
//
// KEYS[1] the queue
// ARGV[1] now ms  ARGV[2] lease end ms  ARGV[3] n
// Returns a flat list: member, due ms, member, due ms, ….
var claimScript = redis.NewScript(`
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #items, 2 do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], items[i])
end
return items
`)

// settleScript acknowledges (removes) or re-queues a claimed item, if the
// claim is still ours.
//
// KEYS[1] the queue
// ARGV[1] member  ARGV[2] claim token (the lease's end, ms)  ARGV[3] new due ms, or "" to remove
// Returns 1 when it was ours, 0 when not.
var settleScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
`)

// retakeScript claims queued items that no worker has claimed: those
// still scored at their due time (a worker's claim re-scores them to its
// lease's end). A retry finds them at its own lease's end, and takes them
// again.
//
// KEYS[1] the queue
// ARGV[1] now ms  ARGV[2] lease ms  ARGV[3…] member, due ms, member, due ms, …
// Returns per member 1 (taken, now scored at now+lease) or 0.
var retakeScript = redis.NewScript(`
local token = tonumber(ARGV[1]) + tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 2 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  local taken = 0
  if s and (tonumber(s) == tonumber(ARGV[i + 1]) or tonumber(s) == token) then
    redis.call('ZADD', KEYS[1], 'XX', token, ARGV[i])
    taken = 1
  end
  out[#out + 1] = taken
end
return out
`)

// ClaimDue claims up to n items of queue q (of therapist, for the
// per-therapist queues) due at or before now, for lease.
//
// Due work sits in sorted sets scored by due time (unix ms). A worker
// claims due items atomically with a lease: claiming re-scores the item to
// the lease's end, so an item whose worker died comes due again when the
// lease runs out. The lease's end is the claim's token: acknowledging or
// re-queueing an item is a compare-and-set on it, so a worker whose lease
// ran out (and whose item another worker claimed) changes nothing.
func (s *Store) ClaimDue(ctx context.Context, q tori.Queue, therapist string, now time.Time, lease time.Duration, n int) ([]tori.Claim, error) {
	token := ms(now.Add(lease))
	res, err := claimScript.Run(ctx, s.Redis, []string{s.queueKey(q, therapist)}, ms(now), token, n).StringSlice()
	if err != nil {
		return nil, formatError("claim "+string(q), err)
	}
	out := make([]tori.Claim, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		due, _ := strconv.ParseFloat(res[i+1], 64)
		out = append(out, tori.Claim{Member: res[i], Due: fromMS(int64(due)), Token: token})
	}
	return out, nil
}

// Ack removes a claimed item; false when the claim is no longer ours.
func (s *Store) Ack(ctx context.Context, q tori.Queue, therapist string, c tori.Claim) (bool, error) {
	n, err := settleScript.Run(ctx, s.Redis, []string{s.queueKey(q, therapist)}, c.Member, c.Token, "").Int()
	return n == 1, formatError("ack "+string(q), err)
}

// Requeue makes a claimed item due again at due; false when the claim is
// no longer ours.
func (s *Store) Requeue(ctx context.Context, q tori.Queue, therapist string, c tori.Claim, due time.Time) (bool, error) {
	n, err := settleScript.Run(ctx, s.Redis, []string{s.queueKey(q, therapist)}, c.Member, c.Token, ms(due)).Int()
	return n == 1, formatError("requeue "+string(q), err)
}

// Enqueue puts member in queue q due at due (or moves it there).
func (s *Store) Enqueue(ctx context.Context, q tori.Queue, therapist, member string, due time.Time) error {
	return formatError("enqueue "+string(q), s.Redis.ZAdd(ctx, s.queueKey(q, therapist), redis.Z{Score: float64(ms(due)), Member: member}).Err())
}

// EnqueueAll writes items to their queues in one round trip (a turn's
// notices to therapists, queued for the worker before the outbox sends
// them).
func (s *Store) EnqueueAll(ctx context.Context, items []tori.Queued) error {
	if len(items) == 0 {
		return nil
	}
	return formatError("enqueue", s.pipeline(ctx, func(p redis.Pipeliner) { s.enqueue(ctx, p, items) }))
}

// enqueue queues in p the writes of items: one ZADD per queue.
func (s *Store) enqueue(ctx context.Context, p redis.Pipeliner, items []tori.Queued) {
	byKey := map[string][]redis.Z{}
	var keys []string
	for _, it := range items {
		k := s.queueKey(it.Queue, it.Therapist)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], redis.Z{Score: float64(ms(it.Due)), Member: it.Member})
	}
	for _, k := range keys {
		p.ZAdd(ctx, k, byKey[k]...)
	}
}

// Dequeue removes members from queue q: work done elsewhere (a queued
// notice that Telegram took from the outbox).
func (s *Store) Dequeue(ctx context.Context, q tori.Queue, therapist string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	return formatError("dequeue "+string(q), s.Redis.ZRem(ctx, s.queueKey(q, therapist), args...).Err())
}

// Retake takes items (all of one queue) back from the worker before it
// claims them: each still at its due time is claimed for lease, as
// ClaimDue would (so that it comes due again if the taker dies), and
// reported true; one a worker claimed, or that is gone, false. The caller
// sends what it took and dequeues it; the worker sends the others.
func (s *Store) Retake(ctx context.Context, items []tori.Queued, now time.Time, lease time.Duration) ([]bool, error) {
	if len(items) == 0 {
		return nil, nil
	}
	key := s.queueKey(items[0].Queue, items[0].Therapist)
	args := []any{ms(now), lease.Milliseconds()}
	for _, it := range items {
		if s.queueKey(it.Queue, it.Therapist) != key {
			return nil, tori.Errorf(tori.EINTERNAL, "retake: items of more than one queue")
		}
		args = append(args, it.Member, ms(it.Due))
	}
	res, err := retakeScript.Run(ctx, s.Redis, []string{key}, args...).Int64Slice()
	if err != nil {
		return nil, formatError("retake", err)
	}
	taken := make([]bool, len(items))
	for i := range taken {
		taken[i] = i < len(res) && res[i] == 1
	}
	return taken, nil
}

// QueueStats returns how many items a queue holds and the due time of the
// oldest (zero when empty).
func (s *Store) QueueStats(ctx context.Context, q tori.Queue, therapist string) (int64, time.Time, error) {
	key := s.queueKey(q, therapist)
	n, err := s.Redis.ZCard(ctx, key).Result()
	if err != nil || n == 0 {
		return n, time.Time{}, formatError("queue stats", err)
	}
	first, err := s.Redis.ZRangeWithScores(ctx, key, 0, 0).Result()
	if err != nil || len(first) == 0 {
		return n, time.Time{}, formatError("queue stats", err)
	}
	return n, fromMS(int64(first[0].Score)), nil
}

// MarkOnce sets a marker (a reminder sent, a therapist told) and reports
// whether it was not set before. It lasts keep.
func (s *Store) MarkOnce(ctx context.Context, marker string, keep time.Duration) (bool, error) {
	ok, err := s.Redis.SetNX(ctx, s.markKey(marker), "1", keep).Result()
	return ok, formatError("mark", err)
}

// Marked reports whether a marker is set.
func (s *Store) Marked(ctx context.Context, marker string) (bool, error) {
	n, err := s.Redis.Exists(ctx, s.markKey(marker)).Result()
	return n == 1, formatError("mark", err)
}
