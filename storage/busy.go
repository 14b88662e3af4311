package storage

import (
	"context"
	"strconv"
	"strings"
	"time"

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
	return st, nil
}

// BusySources returns the sources therapist tid has busy times from.
func (s *Store) BusySources(ctx context.Context, tid string) ([]string, error) {
	src, err := s.Redis.SMembers(ctx, s.busySourcesKey(tid)).Result()
	return src, formatError("busy sources", err)
}
