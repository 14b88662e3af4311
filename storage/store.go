// Package storage keeps tori's state in Redis: appointments and the
// atomic taking of a therapist's time, per-client indexes, conversation
// state and processed Telegram updates. Every key is built in keys.go and
// every multi-key step is one Lua script in scripts.go over keys of one hash
// tag, so it runs unchanged on Redis Cluster.
//
// Every script takes the time as an argument (never TIME), so that tests
// control expiry; key expiries are relative to that time (PEXPIRE, never
// PEXPIREAT), so Redis's own clock plays no part. Every script is
// idempotent, because go-redis retries a call whose reply was lost. All
// keys of one script share one hash tag: a therapist's ({t:<id>}) or a
// client's ({c:<id>}); reserveHoldScript alone names both, and runs only
// where there is one server.
package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// Store is tori's Redis storage. It satisfies tori.AppointmentStore.
type Store struct {
	Redis redis.UniversalClient
	// Prefix goes before every key, e.g. "tori:" (tests use one per test).
	Prefix string
	// HoldRetention is how long a hold's record stays after the hold ends,
	// so that it can still be read (and the client told). Default 7 days.
	HoldRetention time.Duration
	// Keys encrypts the practice's notes at rest (notecrypt.go); nil
	// stores them as they are.
	Keys *Keyring
}

// New returns a Store over rdb with the given key prefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{Redis: rdb, Prefix: prefix, HoldRetention: 7 * 24 * time.Hour}
}

// formatError turns a Redis error into a tori error: the one place where
// storage failures are translated. The Redis error stays in the chain, for
// errors.Is and errors.As (and Unavailable).
func formatError(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *tori.Error
	if errors.As(err, &te) {
		return err
	}
	return fmt.Errorf("storage: %s: %w", op, err)
}

// Unavailable reports whether err is Redis unable to take a command this
// moment: down or not answering in time, restarting or loading its data, out
// of memory (maxmemory reached), a replica or a cluster without a master
// during a failover, a script running long. An outage, for the user to try
// again after (and for the worker to wait out), not a fault. An error
// already translated into a *tori.Error (by another adapter, such as a
// PayPal timeout) says what it is by its code: Unavailable does not look at
// its cause.
func Unavailable(err error) bool {
	var te *tori.Error
	if err == nil || errors.As(err, &te) {
		return false
	}

	// The connection failed, or the client gave up.
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted), strings.Contains(err.Error(), "all sentinels are unreachable"):
		return true
	}

	// Or the server answered with an outage's error.
	var re redis.Error
	if !errors.As(err, &re) {
		return false
	}
	// The code leads the reply, after "ERR " on some servers; a script's
	// refused call carries it after the script's position on Redis 6 and
	// older ("ERR Error running script (...): @user_script:4: -OOM ...").
	msg := strings.TrimPrefix(re.Error(), "ERR ")
	for _, code := range outageCodes {
		if strings.HasPrefix(msg, code+" ") || strings.Contains(msg, ": -"+code+" ") {
			return true
		}
	}
	for _, words := range outageReplies {
		if strings.HasPrefix(msg, words) {
			return true
		}
	}
	return false
}

// Unavailable is the package's Unavailable, for what depends on a store's
// method set (scheduler.Store).
func (s *Store) Unavailable(err error) bool { return Unavailable(err) }

// outageCodes are the error codes of a server that cannot take a command
// this moment but will (BUSY: a script running long; not BUSYKEY).
var outageCodes = []string{"OOM", "LOADING", "READONLY", "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN", "BUSY"}

// outageReplies are outages a server words under the plain ERR code:
// every connection it may take is taken (maxclients), so it answers a new
// one with this and closes it.
var outageReplies = []string{"max number of clients reached"}

// tx runs fn's commands in one MULTI/EXEC. When the server refuses one of
// them, it discards the whole (EXECABORT): the error is then the refused
// command's own, so that an outage (OOM, READONLY) reads as one.
func (s *Store) tx(ctx context.Context, fn func(redis.Pipeliner) error) error {
	cmds, err := s.Redis.TxPipelined(ctx, fn)
	if redis.IsExecAbortError(err) {
		for _, c := range cmds {
			if cerr := c.Err(); cerr != nil && !redis.IsExecAbortError(cerr) {
				return cerr
			}
		}
	}
	return err
}

func therapistOf(id string) (string, error) {
	t, ok := tori.TherapistOfID(id)
	if !ok {
		return "", tori.Errorf(tori.ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
	}
	return t, nil
}

// runScript runs a script that answers {"OK"} or {"CODE", detail?}.
func (s *Store) runScript(ctx context.Context, op string, sc *redis.Script, keys []string, args ...any) (string, string, error) {
	res, err := sc.Run(ctx, s.Redis, keys, args...).StringSlice()
	if err != nil {
		return "", "", formatError(op, err)
	}
	if len(res) == 0 {
		return "", "", formatError(op, errors.New("empty script reply"))
	}
	detail := ""
	if len(res) > 1 {
		detail = res[1]
	}
	return res[0], detail, nil
}

// evalShaPipelined runs pipeline, which calls sc by EVALSHA (a pipeline
// does not fall back to EVAL), and when the server does not have sc yet (a
// new or restarted server) loads it on every node and runs pipeline once
// more.
func (s *Store) evalShaPipelined(ctx context.Context, sc *redis.Script, pipeline func() error) error {
	err := pipeline()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if lerr := sc.Load(ctx, s.Redis).Err(); lerr != nil {
			return lerr
		}
		err = pipeline()
	}
	return err
}

// beside is what a script's round trip carries besides the script:
// commands to queue before it and after it in the same pipeline.
type beside struct {
	before, after func(redis.Pipeliner)
	// ordered: before must have run when the script runs, and after must
	// not run before it. One server runs a pipeline in order, on one
	// connection; a cluster may send them to other nodes, where they would
	// run beside the script, so there each is a round trip of its own, in
	// order. (Not ordered, they run in the script's round trip on a cluster
	// too.) In one pipeline, what is queued runs whatever the others
	// answer: before's failure does not stop the script (it is reported,
	// as the script's would be), and after runs even when the script
	// failed, a first attempt that meets NOSCRIPT included. So after must
	// be harmless then, as the uses are: a hold's place given back, a
	// settled payment's place in a queue. after is best effort: its
	// failure is not the script's.
	ordered bool
}

// runScriptRead runs a script, then reads appointment id as the script
// left it, in one round trip: a pipeline, whose commands (keys of one
// therapist, so one node of a cluster) run in order on one connection. It
// returns the script's code and the appointment (zero when there is none).
// with adds commands to the round trip (see beside).
func (s *Store) runScriptRead(ctx context.Context, op string, sc *redis.Script, id string, keys []string, with beside, args ...any) (string, tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return "", tori.Appointment{}, err
	}
	res, m, err := s.runScriptWith(ctx, op, sc, keys, with, s.appointmentKey(tid, id), args...)
	if err != nil {
		return "", tori.Appointment{}, err
	}
	if len(m) == 0 {
		return res[0], tori.Appointment{}, nil
	}
	a, err := s.decode(m)
	return res[0], a, err
}

// runScriptWith runs a script with the commands of with and, unless read
// is "", reads the hash at read after it, in one round trip (see beside);
// it returns the script's answer (never empty) and the hash.
func (s *Store) runScriptWith(ctx context.Context, op string, sc *redis.Script, keys []string, with beside, read string, args ...any) ([]string, map[string]string, error) {
	// On a cluster, before and after, when ordered, are round trips apart.
	_, cluster := s.Redis.(*redis.ClusterClient)
	apart := cluster && with.ordered
	if apart && with.before != nil {
		if err := s.pipeline(ctx, with.before); err != nil {
			return nil, nil, formatError(op, err)
		}
	}

	script, hash, err := s.scriptRound(ctx, sc, keys, with, !apart, read, args...)
	if err != nil {
		return nil, nil, formatError(op, err)
	}
	res, err := script.StringSlice()
	if err != nil || len(res) == 0 {
		return nil, nil, formatError(op, cmp.Or(err, errors.New("empty script reply")))
	}
	if apart && with.after != nil {
		_ = s.pipeline(ctx, with.after) // best effort (see beside)
	}

	var m map[string]string
	if hash != nil {
		if m, err = hash.Result(); err != nil {
			return nil, nil, formatError(op, err)
		}
	}
	return res, m, nil
}

// scriptRound is runScriptWith's round trip: with's before (when inline),
// the script, the read of the hash at read (unless ""), with's after (when
// inline). err is the first failure among all but after's commands.
func (s *Store) scriptRound(ctx context.Context, sc *redis.Script, keys []string, with beside, inline bool, read string, args ...any) (script *redis.Cmd, hash *redis.MapStringStringCmd, err error) {
	err = s.evalShaPipelined(ctx, sc, func() error {
		n := 0 // the commands before after's
		cmds, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
			if inline && with.before != nil {
				with.before(p)
			}
			script = sc.EvalSha(ctx, p, keys, args...)
			if read != "" {
				hash = p.HGetAll(ctx, read)
			}
			n = p.Len()
			if inline && with.after != nil {
				with.after(p)
			}
			return nil
		})
		if err == nil || len(cmds) < n {
			return err
		}
		for _, c := range cmds[:n] {
			if err := c.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return script, hash, err
}

// pipeline runs the commands queue queues, in one round trip.
func (s *Store) pipeline(ctx context.Context, queue func(redis.Pipeliner)) error {
	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error { queue(p); return nil })
	return err
}

// Hold implements tori.AppointmentStore. The client's side (index and hold
// cap) is reserved first, then the therapist's time is taken; a refused
// take gives the reservation back. On one Redis server the two are one
// script (one round trip); on a cluster their keys live on different
// nodes, and they run one after the other.
func (s *Store) Hold(ctx context.Context, a tori.Appointment, maxHolds int, now time.Time) (tori.Appointment, error) {
	tid := a.TherapistID
	if t, ok := tori.TherapistOfID(a.ID); !ok || t != tid {
		return tori.Appointment{}, tori.Errorf(tori.EINTERNAL, "appointment id %q does not name therapist %q", a.ID, tid)
	}
	if _, cluster := s.Redis.(*redis.ClusterClient); !cluster {
		keys := append([]string{s.clientIndexKey(a.Client.ID), s.clientHoldsKey(a.Client.ID)}, s.takeKeys(a)...)
		keys = append(keys, s.eraseKey(a.Client.ID))
		args := append([]any{a.ID, ms(a.Start), ms(a.HoldUntil), ms(now), maxHolds}, s.takeArgs(a, now)...)
		code, detail, err := s.runScript(ctx, "hold", reserveHoldScript, keys, args...)
		if err != nil {
			return tori.Appointment{}, err
		}
		if err := reserveRefused(code, detail, maxHolds, now); err != nil {
			return tori.Appointment{}, err
		}
		return holdAnswer(a, code) // a refused take was given back by the script
	}
	if err := s.reserve(ctx, a, maxHolds, now); err != nil {
		return tori.Appointment{}, err
	}
	code, err := s.take(ctx, a, now)
	if err != nil {
		return tori.Appointment{}, err
	}
	if code != "OK" {
		s.unreserve(ctx, s.Redis, a.Client.ID, a.ID)
	}
	return holdAnswer(a, code)
}

// holdAnswer is the hold a's result from the slot-taking script's code.
func holdAnswer(a tori.Appointment, code string) (tori.Appointment, error) {
	switch code {
	case "OK":
		return a, nil
	case "CONFLICT":
		return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "That time was just taken.")
	}
	return tori.Appointment{}, formatError("hold", fmt.Errorf("script answered %s", code))
}

func holdLimit(maxHolds int) error {
	return tori.Errorf(tori.ELIMIT, "You are already holding %d times. Confirm or cancel one of them first.", maxHolds)
}

// take runs the slot-taking script: the therapist's side of a hold.
func (s *Store) take(ctx context.Context, a tori.Appointment, now time.Time) (string, error) {
	code, _, err := s.runScript(ctx, "hold", holdScript, s.takeKeys(a), s.takeArgs(a, now)...)
	return code, err
}

// takeKeys and takeArgs are the slot-taking script's keys and arguments.
func (s *Store) takeKeys(a tori.Appointment) []string {
	tid := a.TherapistID
	return []string{s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.appointmentKey(tid, a.ID), s.holdExpiryKey(tid)}
}

func (s *Store) takeArgs(a tori.Appointment, now time.Time) []any {
	args := []any{a.ID, ms(a.Start), ms(a.BlockEnd()), ms(a.HoldUntil), a.Client.ID, ms(now), a.Moves, a.HoldToken, s.HoldRetention.Milliseconds()}
	a.Note = s.Keys.sealNote(a.ID, a.Note)
	return append(args, encode(a)...)
}

// reserve records a hold on the client's side: in their index, and under
// their cap on live holds.
func (s *Store) reserve(ctx context.Context, a tori.Appointment, maxHolds int, now time.Time) error {
	keys := []string{s.clientIndexKey(a.Client.ID), s.clientHoldsKey(a.Client.ID), s.eraseKey(a.Client.ID)}
	code, detail, err := s.runScript(ctx, "reserve", reserveScript, keys, a.ID, ms(a.Start), ms(a.HoldUntil), ms(now), maxHolds)
	if err != nil {
		return err
	}
	return reserveRefused(code, detail, maxHolds, now)
}

// reserveRefused is the error of a reservation reserveScript refused, or
// nil. The time an erasure lets the client book again from is never shown
// in the past: a worker late for its step does it at its next run.
func reserveRefused(code, detail string, maxHolds int, now time.Time) error {
	switch code {
	case "LIMIT":
		return holdLimit(maxHolds)
	case "ERASING":
		ums, _ := strconv.ParseInt(detail, 10, 64)
		until := fromMS(ums)
		if !until.After(now) {
			until = now.Add(tori.ErasureSlack)
		}
		return &tori.ErasingError{Until: until}
	}
	return nil
}

// unreserve drops a hold from the client's live holds, through c (the
// client, or a pipeline). Best effort: an entry left behind lapses at the
// hold's end anyway.
func (s *Store) unreserve(ctx context.Context, c redis.Cmdable, client int64, id string) {
	c.ZRem(ctx, s.clientHoldsKey(client), id)
}

// Renew implements tori.AppointmentStore.
func (s *Store) Renew(ctx context.Context, id, token string, until time.Time, maxHolds int, now time.Time) (tori.Appointment, error) {
	a, err := s.Appointment(ctx, id)
	if err != nil {
		return tori.Appointment{}, err
	}
	a.HoldUntil = until
	if err := s.reserve(ctx, a, maxHolds, now); err != nil {
		return tori.Appointment{}, err
	}
	tid := a.TherapistID
	keys := []string{s.appointmentKey(tid, id), s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.holdExpiryKey(tid)}
	code, _, err := s.runScript(ctx, "renew", renewScript, keys, id, token, ms(now), ms(until), s.HoldRetention.Milliseconds())
	if err != nil {
		return tori.Appointment{}, err
	}
	switch code {
	case "OK":
		return s.Appointment(ctx, id)
	case "TAKEN":
		s.unreserve(ctx, s.Redis, a.Client.ID, id)
		return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "That time was just taken.")
	}
	s.unreserve(ctx, s.Redis, a.Client.ID, id)
	return tori.Appointment{}, holdResult(code)
}

// Confirm implements tori.AppointmentStore.
func (s *Store) Confirm(ctx context.Context, id, token string, now time.Time) (tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, err
	}
	keys := []string{s.appointmentKey(tid, id), s.spanKey(tid), s.holdExpiryKey(tid), s.remindKey(tid), s.keptKey(tid)}
	code, _, err := s.runScript(ctx, "confirm", confirmScript, keys, id, token, ms(now))
	if err != nil {
		return tori.Appointment{}, err
	}
	if err := holdResult(code); err != nil {
		return tori.Appointment{}, err
	}
	a, err := s.Appointment(ctx, id)
	if err == nil {
		s.unreserve(ctx, s.Redis, a.Client.ID, id)
	}
	return a, err
}

func holdResult(code string) error {
	switch code {
	case "OK":
		return nil
	case "NOTFOUND":
		return tori.Errorf(tori.ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
	case "EXPIRED":
		return tori.Errorf(tori.EEXPIRED, "The hold on this time ended.")
	case "GONE":
		return tori.Errorf(tori.EGONE, "The booking you were moving has been cancelled meanwhile.")
	case "LATE":
		return tori.Errorf(tori.ETOOLATE, "It is too late to move this session online.")
	case "PAYING":
		return tori.Errorf(tori.EUNAVAILABLE, "The payment for this time is being completed; it cannot be let go now.")
	}
	return tori.Errorf(tori.ECONFLICT, "This time is no longer held for you. Choose a time again.")
}

// Move implements tori.AppointmentStore.
func (s *Store) Move(ctx context.Context, id, token string, notice time.Duration, now time.Time) (tori.Appointment, error) {
	h, err := s.Appointment(ctx, id)
	if err != nil {
		return tori.Appointment{}, err
	}
	if h.Moves == "" {
		return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "This hold does not move a booking.")
	}
	tid := h.TherapistID
	if t, _ := tori.TherapistOfID(h.Moves); t != tid {
		return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "A booking moves only within its therapist's calendar.")
	}
	// Raise the client index score first, so the booking is never missed.
	if err := s.Redis.ZAddGT(ctx, s.clientIndexKey(h.Client.ID), redis.Z{Score: float64(ms(h.Start)), Member: h.Moves}).Err(); err != nil {
		return tori.Appointment{}, formatError("move: index", err)
	}
	keys := []string{s.appointmentKey(tid, id), s.appointmentKey(tid, h.Moves), s.schedKey(tid), s.spanKey(tid), s.holdExpiryKey(tid), s.remindKey(tid)}
	code, _, err := s.runScript(ctx, "move", moveScript, keys, id, token, ms(now), h.Moves, notice.Milliseconds())
	if err != nil {
		return tori.Appointment{}, err
	}
	if err := holdResult(code); err != nil {
		return tori.Appointment{}, err
	}
	s.unreserve(ctx, s.Redis, h.Client.ID, id)
	s.Redis.ZRem(ctx, s.clientIndexKey(h.Client.ID), id) // best effort; reads skip it anyway
	return s.Appointment(ctx, h.Moves)
}

// Release implements tori.AppointmentStore.
func (s *Store) Release(ctx context.Context, id, token string, now time.Time) error {
	a, err := s.Appointment(ctx, id)
	if tori.ErrorCode(err) == tori.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	tid := a.TherapistID
	keys := []string{s.appointmentKey(tid, id), s.schedKey(tid), s.spanKey(tid), s.holdExpiryKey(tid)}
	code, _, err := s.runScript(ctx, "release", releaseScript, keys, id, token, ms(now), s.HoldRetention.Milliseconds())
	if err != nil {
		return err
	}
	if code == "OK" {
		s.unreserve(ctx, s.Redis, a.Client.ID, id)
	}
	return holdResult(code)
}

// Appointment implements tori.AppointmentStore.
func (s *Store) Appointment(ctx context.Context, id string) (tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, err
	}
	m, err := s.Redis.HGetAll(ctx, s.appointmentKey(tid, id)).Result()
	if err != nil {
		return tori.Appointment{}, formatError("appointment", err)
	}
	if len(m) == 0 {
		return tori.Appointment{}, tori.Errorf(tori.ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
	}
	return s.decode(m)
}

// ClientAppointments implements tori.AppointmentStore. Index entries whose
// appointment is gone (an expired hold's record) are dropped.
func (s *Store) ClientAppointments(ctx context.Context, clientID int64, from time.Time) ([]tori.Appointment, error) {
	key := s.clientIndexKey(clientID)
	ids, err := s.Redis.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: strconv.FormatInt(ms(from), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, formatError("client appointments", err)
	}

	// The appointments, in one round trip.
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			tid, ok := tori.TherapistOfID(id)
			if !ok {
				continue
			}
			cmds[i] = p.HGetAll(ctx, s.appointmentKey(tid, id))
		}
		return nil
	}); err != nil {
		return nil, formatError("client appointments", err)
	}

	var out []tori.Appointment
	var gone []any
	for i, c := range cmds {
		if c == nil || len(c.Val()) == 0 || c.Val()["client"] != strconv.FormatInt(clientID, 10) { // gone, or anonymised
			gone = append(gone, ids[i])
			continue
		}
		a, err := s.decode(c.Val())
		if err != nil {
			return nil, err
		}
		if !a.Start.Before(from) {
			out = append(out, a)
		}
	}

	if len(gone) > 0 {
		s.Redis.ZRem(ctx, key, gone...) // best effort; a stale entry is skipped anyway
	}
	sortByStart(out)
	return out, nil
}

// Busy implements tori.AppointmentStore.
func (s *Store) Busy(ctx context.Context, therapistID string, from, to time.Time, now time.Time) ([]tori.Interval, error) {
	all, err := s.BusyAll(ctx, []string{therapistID}, from, to, now)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// BusyAll implements tori.AppointmentStore: Busy for several therapists in
// one round trip (a pipeline; on a cluster, one per node involved).
func (s *Store) BusyAll(ctx context.Context, therapistIDs []string, from, to time.Time, now time.Time) ([][]tori.Interval, error) {
	cmds := make([]*redis.Cmd, len(therapistIDs))
	if err := s.evalShaPipelined(ctx, busyScript, func() error {
		_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
			s.queueBusy(ctx, p, cmds, therapistIDs, from, to, now)
			return nil
		})
		return err
	}); err != nil {
		return nil, formatError("busy", err)
	}
	return busyOf(cmds)
}

// queueBusy queues the busy script of each therapist into cmds.
func (s *Store) queueBusy(ctx context.Context, p redis.Pipeliner, cmds []*redis.Cmd, therapistIDs []string, from, to, now time.Time) {
	for i, tid := range therapistIDs {
		keys := []string{s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid)}
		cmds[i] = busyScript.EvalSha(ctx, p, keys, ms(from), ms(to), ms(now))
	}
}

// busyOf reads the answers of queueBusy's scripts.
func busyOf(cmds []*redis.Cmd) ([][]tori.Interval, error) {
	out := make([][]tori.Interval, len(cmds))
	for k, cmd := range cmds {
		res, err := cmd.StringSlice()
		if err != nil {
			return nil, formatError("busy", err)
		}
		iv := make([]tori.Interval, 0, len(res)/3)
		for i := 0; i+2 < len(res); i += 3 {
			st, err1 := strconv.ParseFloat(res[i+1], 64)
			end, err2 := strconv.ParseInt(res[i+2], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, formatError("busy", fmt.Errorf("bad span of %s", res[i]))
			}
			iv = append(iv, tori.Interval{ID: res[i], Start: fromMS(int64(st)), End: fromMS(end)})
		}
		out[k] = iv
	}
	return out, nil
}

// HoldReads implements tori.AppointmentStore: BusyAll, Prepay and (with
// remember) RememberClient in one pipeline (on a cluster, one per node
// involved, side by side).
func (s *Store) HoldReads(ctx context.Context, c tori.Client, remember bool, therapistIDs []string, from, to, now time.Time) ([][]tori.Interval, string, error) {
	busy := make([]*redis.Cmd, len(therapistIDs))
	var prepay *redis.StringCmd

	if err := s.evalShaPipelined(ctx, busyScript, func() error {
		cmds, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
			s.queueBusy(ctx, p, busy, therapistIDs, from, to, now)
			prepay = p.HGet(ctx, s.profileKey(c.ID), "prepay")
			if remember {
				s.queueRemember(ctx, p, c, now)
			}
			return nil
		})
		for _, cmd := range cmds { // the first failure; no decision (nil) is none
			if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
		}
		if errors.Is(err, redis.Nil) {
			return nil
		}
		return err
	}); err != nil {
		return nil, "", formatError("hold reads", err)
	}

	out, err := busyOf(busy)
	if err != nil {
		return nil, "", err
	}
	decided, err := prepay.Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", formatError("prepay", err)
	}
	return out, decided, nil
}

// ExpireHold ends a hold whose time has run out and frees its time; a hold
// still live (renewed) or being paid is returned as it is. fresh is true for
// the call that ended it.
func (s *Store) ExpireHold(ctx context.Context, id string, now time.Time) (tori.Appointment, bool, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, false, err
	}
	keys := []string{s.appointmentKey(tid, id), s.schedKey(tid), s.spanKey(tid)}
	code, _, err := s.runScript(ctx, "expire hold", expireHoldScript, keys, id, ms(now))
	if err != nil {
		return tori.Appointment{}, false, err
	}
	if code == "NOTFOUND" {
		return tori.Appointment{}, false, notFound()
	}
	a, err := s.Appointment(ctx, id)
	if err == nil && code == "OK" {
		s.unreserve(ctx, s.Redis, a.Client.ID, id)
	}
	return a, code == "OK", err
}

// TherapistAppointments returns the therapist's live appointments (holds
// and bookings, with completed and missed ones) that start in [from, to),
// in time order.
func (s *Store) TherapistAppointments(ctx context.Context, therapistID string, from, to time.Time) ([]tori.Appointment, error) {
	ids, err := s.Redis.ZRangeByScore(ctx, s.schedKey(therapistID), &redis.ZRangeBy{
		Min: strconv.FormatInt(ms(from), 10), Max: "(" + strconv.FormatInt(ms(to), 10),
	}).Result()
	if err != nil {
		return nil, formatError("therapist appointments", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.appointmentKey(therapistID, id))
		}
		return nil
	}); err != nil {
		return nil, formatError("therapist appointments", err)
	}
	out := make([]tori.Appointment, 0, len(ids))
	for _, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		a, err := s.decode(c.Val())
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sortByStart(out)
	return out, nil
}

// SetAttending implements tori.AppointmentStore.
func (s *Store) SetAttending(ctx context.Context, id string, now time.Time) (tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, err
	}
	code, _, err := s.runScript(ctx, "attend", attendScript, []string{s.appointmentKey(tid, id)}, ms(now))
	if err != nil {
		return tori.Appointment{}, err
	}
	return s.result(ctx, id, code, tori.Errorf(tori.ECONFLICT, "This booking is no longer confirmed."))
}
