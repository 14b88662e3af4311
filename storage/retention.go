package storage

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// KeptBefore implements tori.PrivacyStore. The kept index (keptKey) lists
// the appointments that carry personal details and no longer expire by
// themselves; the money index (moneyKey) what remains of them once
// anonymised. anonymiseScript and removeRecordScript are compare-and-set
// on the index entries, so two workers never do one step twice.
func (s *Store) KeptBefore(ctx context.Context, tid string, cutoff time.Time, n int) ([]string, error) {
	return s.indexBefore(ctx, s.keptKey(tid), cutoff, n)
}

// MoneyBefore implements tori.PrivacyStore.
func (s *Store) MoneyBefore(ctx context.Context, tid string, cutoff time.Time, n int) ([]string, error) {
	return s.indexBefore(ctx, s.moneyKey(tid), cutoff, n)
}

func (s *Store) indexBefore(ctx context.Context, key string, cutoff time.Time, n int) ([]string, error) {
	ids, err := s.Redis.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(ms(cutoff), 10), Count: int64(n)}).Result()
	return ids, formatError("retention", err)
}

// Anonymise implements tori.PrivacyStore. The client loses the
// appointment from their index and strikes; a client left with nothing
// (forgetIfIdle) is forgotten: profile, strikes and @username. The client
// is read first: when the script's reply is lost and go-redis runs it
// again, the second run answers NOTDUE and the record no longer names
// them, yet their side is still cleaned (done is then false: the run
// that did it is not known).
func (s *Store) Anonymise(ctx context.Context, id string, cutoff, now time.Time) (bool, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return false, nil
	}
	key := s.appointmentKey(tid, id)
	f, err := s.Redis.HMGet(ctx, key, "client", "series").Result()
	if err != nil {
		return false, formatError("retention", err)
	}
	cs, _ := f[0].(string)
	before, _ := strconv.ParseInt(cs, 10, 64)
	code, client, err := s.anonymise(ctx, id, "retain", 0, 0, cutoff, now)
	if err != nil {
		return false, err
	}
	done := code == "OK" || code == "DELETED"
	if series, _ := f[1].(string); series != "" && code != "NOTDUE" {
		if err := s.dropEndedSeries(ctx, tid, series, id, now); err != nil {
			return done, err
		}
	}
	if !done && before != 0 {
		// Anonymised meanwhile (a retried run, another worker): gone, or
		// it carries "erased" and no client now.
		f, err := s.Redis.HMGet(ctx, key, "client", "erased").Result()
		if err != nil {
			return false, formatError("retention", err)
		}
		if c, _ := f[0].(string); c == "" && (f[1] != nil || code == "NOTFOUND") {
			client = before
		}
	}
	if client == 0 {
		return done, nil
	}
	return done, s.leaveClient(ctx, client, id, now)
}

// dropEndedSeriesScript deletes a series whose last occurrence is the one
// retention has just anonymised: nothing of it is left to mark or book.
// A series whose last occurrence is another is left as it is.
// KEYS[1] the series' hash  KEYS[2] the therapist's series queue
// ARGV[1] the series id  ARGV[2] the occurrence anonymised  ARGV[3] now ms (unused: the
// same at any time)
// Returns 1 when deleted, else 0.
var dropEndedSeriesScript = redis.NewScript(`
local taken = redis.call('HGET', KEYS[1], 'taken')
if not taken then return 0 end
local last = string.match(taken, ':(%S+)$')
if last ~= ARGV[2] or redis.call('HGET', KEYS[1], 'status') == 'held' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// dropEndedSeries deletes series sid of therapist tid when occurrence id,
// whose personal details retention took, was its last (housekeeping: the
// series' own record goes with its last session's).
func (s *Store) dropEndedSeries(ctx context.Context, tid, sid, id string, now time.Time) error {
	err := dropEndedSeriesScript.Run(ctx, s.Redis, []string{s.seriesKey(tid, sid), s.seriesQueueKey(tid)}, sid, id, ms(now)).Err()
	return formatError("retention: series", err)
}

// leaveClient takes an anonymised appointment off its client's index and
// strikes, and forgets a client left with nothing (their activity entry
// goes too).
func (s *Store) leaveClient(ctx context.Context, client int64, id string, now time.Time) error {
	if _, err := s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.clientIndexKey(client), id)
		p.ZRem(ctx, s.strikesKey(client), id)
		return nil
	}); err != nil {
		return formatError("retention: client", err)
	}
	_, err := s.forgetThen(ctx, client, now, func(forgotten bool) error {
		if !forgotten {
			return nil
		}
		return formatError("retention: activity", s.Redis.ZRem(ctx, s.clientsKey(), strconv.FormatInt(client, 10)).Err())
	})
	return err
}

// RemoveMoneyRecord implements tori.PrivacyStore. The PayPal indexes go
// first (while the record still names them), then the record.
func (s *Store) RemoveMoneyRecord(ctx context.Context, id string, cutoff time.Time) (bool, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return false, err
	}

	score, err := s.Redis.ZScore(ctx, s.moneyKey(tid), id).Result()
	if errors.Is(err, redis.Nil) || err == nil && int64(score) >= ms(cutoff) {
		return false, nil
	}
	if err != nil {
		return false, formatError("retention", err)
	}

	// The PayPal indexes and the queues first, while the record still names them.
	f, err := s.Redis.HMGet(ctx, s.appointmentKey(tid, id), "order_id", "capture_id").Result()
	if err != nil {
		return false, formatError("retention", err)
	}
	for i, key := range []func(string) string{s.orderKey, s.captureKey} {
		if v, _ := f[i].(string); v != "" {
			if err := delIfScript.Run(ctx, s.Redis, []string{key(v)}, id).Err(); err != nil {
				return false, formatError("retention: index", err)
			}
		}
	}
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.openPaymentsKey(), id)
		p.ZRem(ctx, s.pendingRefundsKey(), id)
		return nil
	}); err != nil {
		return false, formatError("retention: queues", err)
	}

	// Then the record.
	keys := []string{s.appointmentKey(tid, id), s.schedKey(tid), s.spanKey(tid), s.keptKey(tid), s.moneyKey(tid),
		s.holdExpiryKey(tid), s.remindKey(tid)}
	code, _, err := s.runScript(ctx, "remove money record", removeRecordScript, keys, id, ms(cutoff))
	return code == "OK", err
}

// BackfillKept implements tori.PrivacyStore: it puts every appointment
// stored before the kept index existed (one that no longer expires by
// itself and still carries its client) in it, once for the database.
func (s *Store) BackfillKept(ctx context.Context) (int, error) {
	if n, err := s.Redis.Exists(ctx, s.backfilledKey()).Result(); err != nil || n == 1 {
		return 0, formatError("backfill", err)
	}
	added := 0
	err := s.scanKeys(ctx, s.appointmentGlob(), func(key string) error {
		n, err := s.backfillOne(ctx, key)
		added += n
		return err
	})
	if err != nil {
		return added, formatError("backfill", err)
	}
	return added, formatError("backfill", s.Redis.Set(ctx, s.backfilledKey(), "1", 0).Err())
}

// backfillOne puts one appointment hash in its therapist's kept index if
// it belongs there.
func (s *Store) backfillOne(ctx context.Context, key string) (int, error) {
	var ttl *redis.DurationCmd
	var f *redis.SliceCmd
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		ttl = p.PTTL(ctx, key)
		f = p.HMGet(ctx, key, "id", "therapist", "end", "client")
		return nil
	}); err != nil {
		return 0, err
	}
	str := func(i int) string { v, _ := f.Val()[i].(string); return v }
	id, tid, end, client := str(0), str(1), str(2), str(3)
	if ttl.Val() != -1 || id == "" || tid == "" || end == "" || client == "" || client == "0" || key != s.appointmentKey(tid, id) {
		return 0, nil
	}
	e, err := strconv.ParseInt(end, 10, 64)
	if err != nil {
		return 0, nil
	}
	n, err := s.Redis.ZAddNX(ctx, s.keptKey(tid), redis.Z{Score: float64(e), Member: id}).Result()
	return int(n), err
}
