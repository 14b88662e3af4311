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

// ReplaceBusy replaces the busy times of one of therapist tid's own
// calendars with imp's, and keeps its validators, in one atomic step: the
// time is taken as time off is, so no hold, booking or series can take it
// from then on, and a retry changes nothing. It returns each new busy time
// that overlaps a live hold or booking (left as it is), once.
func (s *Store) ReplaceBusy(ctx context.Context, tid string, imp tori.BusyImport, now time.Time) ([]tori.BusyOverlap, error) {
	keys := []string{s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.busyKey(tid, imp.Source),
		s.busyStateKey(tid, imp.Source), s.busySourcesKey(tid)}
	args := make([]any, 0, 4+2*len(imp.Intervals))
	args = append(args, ms(now), imp.Source, imp.ETag, imp.LastModified)
	for _, iv := range imp.Intervals {
		args = append(args, ms(iv.Start), ms(iv.End))
	}

	res, err := replaceBusyScript.Run(ctx, s.Redis, keys, args...).Slice()
	if err != nil {
		return nil, formatError("replace busy", err)
	}

	// After OK, added and removed: pairs of the busy time's id and the booking's.
	var out []tori.BusyOverlap
	for i := 3; i+1 < len(res); i += 2 {
		id, _ := res[i].(string)
		appt, _ := res[i+1].(string)
		out = append(out, tori.BusyOverlap{Busy: busyInterval(id), AppointmentID: appt})
	}
	return out, nil
}

// busyInterval reads a busy time's id ("b:<source>:<start ms>:<end ms>").
func busyInterval(id string) tori.Interval {
	parts := strings.Split(id, ":")
	if len(parts) != 4 {
		return tori.Interval{ID: id}
	}
	st, _ := strconv.ParseInt(parts[2], 10, 64)
	en, _ := strconv.ParseInt(parts[3], 10, 64)
	return tori.Interval{ID: id, Start: fromMS(st), End: fromMS(en)}
}

// BusyState returns what is kept of a calendar's last good read (zero
// when none).
func (s *Store) BusyState(ctx context.Context, tid, source string) (tori.BusyState, error) {
	m, err := s.Redis.HGetAll(ctx, s.busyStateKey(tid, source)).Result()
	if err != nil {
		return tori.BusyState{}, formatError("busy state", err)
	}
	st := tori.BusyState{ETag: m["etag"], LastModified: m["modified"]}
	if at, err := strconv.ParseInt(m["at"], 10, 64); err == nil {
		st.At = fromMS(at)
	}
	st.Count, _ = strconv.Atoi(m["count"])
	if since, err := strconv.ParseInt(m["failing"], 10, 64); err == nil {
		st.FailingSince, st.LastError = fromMS(since), m["error"]
	}
	return st, nil
}

// BusyFailed records that a calendar could not be read at now (code: the
// error's), and returns since when its reads fail (the first failure's
// time, kept until a good read).
func (s *Store) BusyFailed(ctx context.Context, tid, source string, now time.Time, code string) (time.Time, error) {
	key := s.busyStateKey(tid, source)
	_, err := s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, key, "failing", ms(now))
		p.HSet(ctx, key, "error", code)
		return nil
	})
	if err != nil {
		return time.Time{}, formatError("busy failed", err)
	}
	since, err := s.Redis.HGet(ctx, key, "failing").Int64()
	if err != nil {
		return time.Time{}, formatError("busy failed", err)
	}
	return fromMS(since), nil
}

// BusyToldStale marks that the therapist was told a calendar has failed
// for long; it reports whether this call marked it (so they are told once,
// across workers).
func (s *Store) BusyToldStale(ctx context.Context, tid, source string) (bool, error) {
	first, err := s.Redis.HSetNX(ctx, s.busyStateKey(tid, source), "told", "1").Result()
	return first, formatError("busy told", err)
}

// BusyRecovered records a good read of a calendar whose reads failed, and
// reports whether the therapist had been told they failed (true for one
// caller only, so the recovery is told once).
func (s *Store) BusyRecovered(ctx context.Context, tid, source string) (bool, error) {
	code, _, err := s.runScript(ctx, "busy recovered", busyRecoveredScript, []string{s.busyStateKey(tid, source)})
	return code == "TOLD", err
}

// BusySources returns the sources therapist tid has busy times from.
func (s *Store) BusySources(ctx context.Context, tid string) ([]string, error) {
	src, err := s.Redis.SMembers(ctx, s.busySourcesKey(tid)).Result()
	return src, formatError("busy sources", err)
}

// BusyRead records, in one write for a whole poll round, that each of the
// calendars named "<therapist>/<source>" was read well at now.
func (s *Store) BusyRead(ctx context.Context, calendars []string, now time.Time) error {
	if len(calendars) == 0 {
		return nil
	}
	at := ms(now)
	fields := make([]any, 0, 2*len(calendars))
	for _, c := range calendars {
		fields = append(fields, c, at)
	}
	return formatError("busy read", s.Redis.HSet(ctx, s.busyReadKey(), fields...).Err())
}

// BusyLastRead returns when a calendar was last read well (zero: never).
func (s *Store) BusyLastRead(ctx context.Context, tid, source string) (time.Time, error) {
	at, err := s.Redis.HGet(ctx, s.busyReadKey(), tid+"/"+source).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, formatError("busy last read", err)
	}
	return fromMS(at), nil
}
