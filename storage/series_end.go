package storage

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// askSeriesEndScript records, once, that a series' client was asked
// whether to continue it: the first asker wins, and the same asker again
// (a retried call) is told it won, so a retry still sends its question.
// KEYS[1] the series' hash
// ARGV[1] now ms  ARGV[2] the asker (a token of this attempt)
// Returns {"OK"} (this asker is the one) | {"ASKED"} (another asked) |
// {"NOTFOUND"}.
var askSeriesEndScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
if redis.call('HSETNX', KEYS[1], 'end_asked', ARGV[2]) == 1 then
  redis.call('HSET', KEYS[1], 'end_asked_at', ARGV[1])
  return {'OK'}
end
if redis.call('HGET', KEYS[1], 'end_asked') == ARGV[2] then return {'OK'} end
return {'ASKED'}
`)

// AskSeriesEnd implements tori.SeriesStore: true for the one asker of
// series id's "continue?" (asker names the attempt), false for any other.
func (s *Store) AskSeriesEnd(ctx context.Context, id, asker string, now time.Time) (bool, error) {
	tid, ok := tori.TherapistOfID(id)
	if !ok {
		return false, seriesNotFound()
	}
	res, _, err := s.runScript(ctx, "ask series end", askSeriesEndScript, []string{s.seriesKey(tid, id)}, ms(now), asker)
	switch {
	case err != nil:
		return false, err
	case res == "NOTFOUND":
		return false, seriesNotFound()
	}
	return res == "OK", nil
}

// giveBackSeriesEndScript clears the record of a "continue?" its asker
// could not deliver, so a later run asks again; a record of another
// asker, or none, is left as it is.
// KEYS[1] the series' hash
// ARGV[1] now ms (unused: a give-back is the same at any time)  ARGV[2] the asker
// Returns {"OK"} (given back) | {"NONE"} (not this asker's).
var giveBackSeriesEndScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'end_asked') ~= ARGV[2] then return {'NONE'} end
redis.call('HDEL', KEYS[1], 'end_asked', 'end_asked_at')
return {'OK'}
`)

// GiveBackSeriesEnd implements tori.SeriesStore: asker's claim on series
// id's "continue?" is let go (a retry changes nothing more).
func (s *Store) GiveBackSeriesEnd(ctx context.Context, id, asker string, now time.Time) error {
	tid, ok := tori.TherapistOfID(id)
	if !ok {
		return seriesNotFound()
	}
	_, _, err := s.runScript(ctx, "give back series end", giveBackSeriesEndScript, []string{s.seriesKey(tid, id)}, ms(now), asker)
	return err
}

// endSeriesScript ends a series from a cancelled session on: a booked
// series takes the status given and leaves the series queue (an
// open-ended one books no more), and the record is kept until keep, when
// Redis deletes it. Ending it again changes nothing more.
// KEYS[1] the series' hash  KEYS[2] the therapist's series queue
// ARGV[1] now ms  ARGV[2] the status  ARGV[3] keep until ms  ARGV[4] the series id
// Returns {"OK"} | {"NOTFOUND"}.
var endSeriesScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end
if redis.call('HGET', KEYS[1], 'status') == 'confirmed' then
  redis.call('HSET', KEYS[1], 'status', ARGV[2], 'extend_at', '0', 'updated_at', ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[4])
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {'OK'}
`)

// EndSeries implements tori.SeriesStore.
func (s *Store) EndSeries(ctx context.Context, id string, status tori.Status, keep, now time.Time) error {
	tid, ok := tori.TherapistOfID(id)
	if !ok {
		return seriesNotFound()
	}
	res, _, err := s.runScript(ctx, "end series", endSeriesScript, []string{s.seriesKey(tid, id), s.seriesQueueKey(tid)}, ms(now), string(status), ms(keep), id)
	switch {
	case err != nil:
		return err
	case res == "NOTFOUND":
		return seriesNotFound()
	}
	return nil
}
