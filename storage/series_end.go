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
