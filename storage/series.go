package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// TakeSeries implements tori.SeriesStore. The client's side (their index,
// and the series among their holds) is reserved first, then the
// therapist's time is taken; a refused take gives the reservation back.
// On one Redis server the two are one script (one round trip); on a
// cluster their keys live on different nodes, and they run one after the
// other, a round trip to each.
func (s *Store) TakeSeries(ctx context.Context, sr tori.Series, occs []tori.Appointment, maxHolds int, now time.Time) error {
	if clientHold(occs).IsZero() {
		maxHolds = 0 // booked at once by the practice (or awaiting payments): not a hold of the client's
	}
	return s.takeSeries(ctx, "take series", sr, "", occs, maxHolds, now)
}

// ExtendSeries implements tori.SeriesStore.
func (s *Store) ExtendSeries(ctx context.Context, sr tori.Series, from int, occs []tori.Appointment, now time.Time) error {
	if !sr.HoldUntil.IsZero() {
		return tori.Errorf(tori.EINTERNAL, "series %s extended as holds", sr.ID)
	}
	return s.takeSeries(ctx, "extend series", sr, strconv.Itoa(from), occs, 0, now)
}

// FillSeriesGap implements tori.SeriesStore: the step of ExtendSeries
// for one week the series missed.
func (s *Store) FillSeriesGap(ctx context.Context, sr tori.Series, occ tori.Appointment, now time.Time) error {
	if !sr.HoldUntil.IsZero() || !sr.ExtendAt.IsZero() {
		return tori.Errorf(tori.EINTERNAL, "series %s: a missed week is booked at once, and moves nothing else", sr.ID)
	}
	sr.Taken, sr.Missed = []tori.SeriesEntry{{Week: occ.SeriesN, ID: occ.ID}}, nil
	return s.takeSeries(ctx, "fill series gap", sr, "gap:"+strconv.Itoa(occ.SeriesN), []tori.Appointment{occ}, 0, now)
}

// takeSeries runs the series' step: from is the next week as read for an
// extension, "" for a new series, "gap:<week>" for a week one missed.
func (s *Store) takeSeries(ctx context.Context, op string, sr tori.Series, from string, occs []tori.Appointment, maxHolds int, now time.Time) error {
	if err := checkOccurrences(sr, occs); err != nil {
		return err
	}
	keys, args := s.takeSeriesKeys(sr, occs), s.takeSeriesArgs(sr, from, occs, now)
	if len(occs) == 0 { // an extension that only records the weeks it missed
		res, err := s.runList(ctx, op, takeSeriesScript, keys, args...)
		if err != nil {
			return err
		}
		return seriesAnswer(res, maxHolds, now)
	}

	client := occs[0].Client.ID
	ckeys := []string{s.clientIndexKey(client), s.clientHoldsKey(client), s.eraseKey(client)}
	if _, cluster := s.Redis.(*redis.ClusterClient); !cluster {
		rargs := reserveSeriesArgs(sr, occs, clientHold(occs), maxHolds, now)
		all := append(append([]any{len(rargs)}, rargs...), args...)
		res, err := s.runList(ctx, op, reserveTakeSeriesScript, append(ckeys, keys...), all...)
		if err != nil {
			return err
		}
		return seriesAnswer(res, maxHolds, now)
	}

	// A series booked at once stands among the client's holds for the
	// moment of its step, so that an erasure beginning meanwhile waits.
	mark := clientHold(occs)
	if mark.IsZero() {
		mark = now.Add(time.Minute)
	}
	res, err := s.runList(ctx, op, reserveSeriesScript, ckeys, reserveSeriesArgs(sr, occs, mark, maxHolds, now)...)
	if err != nil {
		return err
	}
	if err := seriesAnswer(res, maxHolds, now); err != nil {
		return err
	}
	res, err = s.runList(ctx, op, takeSeriesScript, keys, args...)
	if err != nil {
		return err // the reservation lapses at its end
	}
	if res[0] != "OK" || clientHold(occs).IsZero() {
		s.unreserve(ctx, s.Redis, client, sr.ID)
	}
	return seriesAnswer(res, maxHolds, now)
}

// clientHold is until when a series taking occs counts as one of its
// client's holds: while its first occurrence is an ordinary hold (the
// client's series, or the one of its weeks paid now). Zero when it is
// booked at once, or its weeks await their payments by their deadlines.
func clientHold(occs []tori.Appointment) time.Time {
	if len(occs) == 0 || occs[0].Status != tori.StatusHeld || !occs[0].PayBy.IsZero() {
		return time.Time{}
	}
	return occs[0].HoldUntil
}

// checkOccurrences refuses occurrences that are not the series' own
// appointments of one client, in time order: a fault of the caller's.
func checkOccurrences(sr tori.Series, occs []tori.Appointment) error {
	tid := sr.Rule.TherapistID
	if t, ok := tori.TherapistOfID(sr.ID); !ok || t != tid {
		return tori.Errorf(tori.EINTERNAL, "series id %q does not name therapist %q", sr.ID, tid)
	}
	for i, a := range occs {
		t, ok := tori.TherapistOfID(a.ID)
		switch {
		case !ok || t != tid || a.TherapistID != tid || a.Series != sr.ID:
			return tori.Errorf(tori.EINTERNAL, "occurrence %q is not one of series %s", a.ID, sr.ID)
		case a.Client.ID != occs[0].Client.ID || a.HoldToken != sr.Token || a.Buffer != occs[0].Buffer:
			return tori.Errorf(tori.EINTERNAL, "occurrences of series %s differ", sr.ID)
		case i > 0 && a.Start.Before(occs[i-1].BlockEnd()):
			return tori.Errorf(tori.EINTERNAL, "occurrences of series %s overlap or are out of order", sr.ID)
		}
	}
	return nil
}

// takeSeriesKeys and takeSeriesArgs are takeSeriesScript's keys and
// arguments.
func (s *Store) takeSeriesKeys(sr tori.Series, occs []tori.Appointment) []string {
	tid := sr.Rule.TherapistID
	keys := make([]string, 0, 8+len(occs))
	keys = append(keys, s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.holdExpiryKey(tid),
		s.remindKey(tid), s.keptKey(tid), s.seriesKey(tid, sr.ID), s.seriesQueueKey(tid))
	for _, a := range occs {
		keys = append(keys, s.appointmentKey(tid, a.ID))
	}
	return keys
}

func (s *Store) takeSeriesArgs(sr tori.Series, from string, occs []tori.Appointment, now time.Time) []any {
	var client, buffer int64
	var shared []any
	if len(occs) > 0 {
		client, buffer = occs[0].Client.ID, occs[0].Buffer.Milliseconds()
		shared = sharedFields(occs[0])
	}
	var rec []any
	if from == "" {
		rec = encodeSeries(sr)
	}
	args := make([]any, 0, 15+len(rec)+len(shared)+6*len(occs))
	args = append(args, sr.ID, sr.Token, ms(now), ms(sr.HoldUntil), client, s.HoldRetention.Milliseconds(), buffer,
		from, sr.Next, takenField(sr.Taken), weeksField(sr.Missed), ms(sr.ExtendAt), len(occs), len(rec))
	args = append(append(args, rec...), len(shared))
	args = append(args, shared...)
	for _, a := range occs {
		hold := int64(0)
		if a.Status == tori.StatusHeld {
			hold = ms(a.HoldUntil)
		}
		args = append(args, a.ID, a.SeriesN, ms(a.Start), ms(a.End), hold, ms(a.PayBy))
	}
	return args
}

// sharedFields are the hash fields every occurrence has as a has them: all
// but its own (id, start, end and week), which the script adds, and the
// empty ones no script reads (unreadWhenEmpty): decode reads a field
// that is not there as empty, and a week of a series then takes no more
// memory than a booking, its two fields of the series included.
func sharedFields(a tori.Appointment) []any {
	all := encode(a)
	out := make([]any, 0, len(all))
	for i := 0; i+1 < len(all); i += 2 {
		switch {
		case all[i] == "id", all[i] == "start", all[i] == "end", all[i] == "series_n":
			continue
		case unreadWhenEmpty[all[i].(string)] && all[i+1] == "":
			continue
		}
		out = append(out, all[i], all[i+1])
	}
	return out
}

// unreadWhenEmpty are appointment fields no script reads, empty in a new
// appointment until a payment or a waitlist offer sets them.
var unreadWhenEmpty = map[string]bool{"offer": true, "prepay": true, "approve_url": true, "capture_id": true, "successor": true}

// reserveSeriesArgs are reserveSeriesLua's arguments: the series stands
// among the client's holds until score (none when zero).
func reserveSeriesArgs(sr tori.Series, occs []tori.Appointment, score time.Time, maxHolds int, now time.Time) []any {
	args := make([]any, 0, 4+2*len(occs))
	args = append(args, sr.ID, ms(score), ms(now), maxHolds)
	for _, a := range occs {
		args = append(args, ms(a.Start), a.ID)
	}
	return args
}

// seriesAnswer is a series step's result from its script's answer.
func seriesAnswer(res []string, maxHolds int, now time.Time) error {
	switch res[0] {
	case "OK":
		return nil
	case "CONFLICT":
		e := &tori.SeriesConflictError{Err: tori.Errorf(tori.ECONFLICT, "Some of these times were just taken. Look at the series again.")}
		for i := 1; i+1 < len(res); i += 2 {
			w, _ := strconv.Atoi(res[i])
			e.Weeks = append(e.Weeks, tori.Occurrence{Week: w, Blocker: res[i+1]})
		}
		return e
	case "LIMIT", "ERASING":
		detail := ""
		if len(res) > 1 {
			detail = res[1]
		}
		return reserveRefused(res[0], detail, maxHolds, now)
	case "MOVED":
		return tori.Errorf(tori.ECONFLICT, "This series was extended meanwhile.")
	case "GONE":
		return tori.Errorf(tori.EGONE, "This series is no longer booked.")
	case "FILLED":
		return tori.Errorf(tori.ECONFLICT, "That week is booked already.")
	}
	return formatError("series", fmt.Errorf("script answered %s", res[0]))
}

// runList runs a script that answers a list whose first element is a code.
func (s *Store) runList(ctx context.Context, op string, sc *redis.Script, keys []string, args ...any) ([]string, error) {
	res, err := sc.Run(ctx, s.Redis, keys, args...).StringSlice()
	if err != nil {
		return nil, formatError(op, err)
	}
	if len(res) == 0 {
		return nil, formatError(op, errors.New("empty script reply"))
	}
	return res, nil
}

// ConfirmSeries implements tori.SeriesStore: one script in the therapist's
// keys, and the series leaves the client's holds in the same round trip
// (on a cluster, one to each node, side by side).
func (s *Store) ConfirmSeries(ctx context.Context, sr tori.Series, clientID int64, now time.Time) error {
	tid, ids := sr.Rule.TherapistID, seriesIDs(sr)
	keys := append([]string{s.seriesKey(tid, sr.ID), s.spanKey(tid), s.holdExpiryKey(tid), s.remindKey(tid), s.keptKey(tid)},
		s.appointmentKeys(tid, ids)...)
	args := append([]any{sr.Token, ms(now), clientID}, anys(ids)...)
	with := beside{after: func(p redis.Pipeliner) { s.unreserve(ctx, p, clientID, sr.ID) }}
	res, _, err := s.runScriptWith(ctx, "confirm series", confirmSeriesScript, keys, with, "", args...)
	if err != nil {
		return err
	}
	return holdResult(res[0])
}

// ReleaseSeries implements tori.SeriesStore.
func (s *Store) ReleaseSeries(ctx context.Context, sr tori.Series, clientID int64, now time.Time) ([]tori.Interval, error) {
	tid, ids := sr.Rule.TherapistID, seriesIDs(sr)
	keys := append([]string{s.seriesKey(tid, sr.ID), s.schedKey(tid), s.spanKey(tid), s.holdExpiryKey(tid)},
		s.appointmentKeys(tid, ids)...)
	args := append([]any{sr.Token, ms(now), clientID, s.HoldRetention.Milliseconds()}, anys(ids)...)
	with := beside{after: func(p redis.Pipeliner) { s.unreserve(ctx, p, clientID, sr.ID) }}
	res, _, err := s.runScriptWith(ctx, "release series", releaseSeriesScript, keys, with, "", args...)
	if err != nil {
		return nil, err
	}
	if res[0] != "OK" {
		return nil, holdResult(res[0])
	}
	var out []tori.Interval
	for i := 1; i+2 < len(res); i += 3 {
		st, _ := strconv.ParseInt(res[i+1], 10, 64)
		end, _ := strconv.ParseInt(res[i+2], 10, 64)
		out = append(out, tori.Interval{ID: res[i], Start: fromMS(st), End: fromMS(end)})
	}
	return out, nil
}

// Series implements tori.SeriesStore.
func (s *Store) Series(ctx context.Context, id string) (tori.Series, error) {
	tid, ok := tori.TherapistOfID(id)
	if !ok {
		return tori.Series{}, seriesNotFound()
	}
	m, err := s.Redis.HGetAll(ctx, s.seriesKey(tid, id)).Result()
	if err != nil {
		return tori.Series{}, formatError("series", err)
	}
	if len(m) == 0 {
		return tori.Series{}, seriesNotFound()
	}
	return decodeSeries(m)
}

func seriesNotFound() error {
	return tori.Errorf(tori.ENOTFOUND, "That series was not found. Open your bookings to see them all.")
}

// Holding implements tori.SeriesStore, in one round trip.
func (s *Store) Holding(ctx context.Context, tid string, ids []string, now time.Time) (map[string]bool, error) {
	cmds := make([]*redis.SliceCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.appointmentKey(tid, id), "status", "hold_until")
		}
		return nil
	}); err != nil {
		return nil, formatError("holding", err)
	}
	out := make(map[string]bool, len(ids))
	for i, c := range cmds {
		f := c.Val()
		st, _ := f[0].(string)
		until, _ := f[1].(string)
		n, _ := strconv.ParseInt(until, 10, 64)
		out[ids[i]] = st == string(tori.StatusHeld) && n > ms(now)
	}
	return out, nil
}

// seriesIDs are the appointments of sr's occurrences, in order.
func seriesIDs(sr tori.Series) []string {
	ids := make([]string, len(sr.Taken))
	for i, e := range sr.Taken {
		ids[i] = e.ID
	}
	return ids
}

func (s *Store) appointmentKeys(tid string, ids []string) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.appointmentKey(tid, id)
	}
	return keys
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}
