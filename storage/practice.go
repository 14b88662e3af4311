package storage

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// AddBlock makes [start, end) of a therapist busy (time off) and returns the
// block. Bookings and holds already there stay: the caller decides. The id
// comes from the therapist and the times, so the same block made twice (a
// double tap) is one block.
func (s *Store) AddBlock(ctx context.Context, tid string, start, end time.Time) (tori.Block, error) {
	sum := sha256.Sum256([]byte(tid + " " + strconv.FormatInt(ms(start), 10) + " " + strconv.FormatInt(ms(end), 10)))
	b := tori.Block{ID: "blk-" + hex.EncodeToString(sum[:4]), TherapistID: tid, Start: start.UTC(), End: end.UTC()}
	keys := []string{s.schedKey(tid), s.spanKey(tid), s.maxSpanKey(tid), s.blocksKey(tid)}
	if _, _, err := s.runScript(ctx, "block", blockScript, keys, b.ID, ms(b.Start), ms(b.End)); err != nil {
		return tori.Block{}, err
	}
	return b, nil
}

// RemoveBlock frees a block's time; removing one that is gone is not an error.
func (s *Store) RemoveBlock(ctx context.Context, tid, id string) error {
	keys := []string{s.schedKey(tid), s.spanKey(tid), s.blocksKey(tid)}
	_, _, err := s.runScript(ctx, "unblock", unblockScript, keys, id)
	return err
}

// Blocks returns a therapist's blocks that end after from, in time order.
func (s *Store) Blocks(ctx context.Context, tid string, from time.Time) ([]tori.Block, error) {
	m, err := s.Redis.HGetAll(ctx, s.blocksKey(tid)).Result()
	if err != nil {
		return nil, formatError("blocks", err)
	}

	var out []tori.Block
	for id, v := range m {
		a, b, _ := strings.Cut(v, " ")
		st, err1 := strconv.ParseInt(a, 10, 64)
		en, err2 := strconv.ParseInt(b, 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		blk := tori.Block{ID: id, TherapistID: tid, Start: fromMS(st), End: fromMS(en)}
		if blk.End.After(from) {
			out = append(out, blk)
		}
	}

	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// SetNote sets the practice's private note on an appointment, sealed
// under the store's current key when it has one. A note kept there that
// this store cannot open (tori.Appointment.NoteLocked) is replaced only
// with replaceLocked, else refused (ECONFLICT): it may be readable again
// with its key.
func (s *Store) SetNote(ctx context.Context, id, note string, replaceLocked bool, now time.Time) (tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, err
	}

	// Set only over the note last seen: a note this store cannot read is replaced only when asked.
	key, stored := s.appointmentKey(tid, id), s.Keys.sealNote(id, note)
	seen := "" // the note it replaces: first tried as none, the usual case
	for try := 0; try < 5; try++ {
		code, cur, err := s.runScript(ctx, "note", noteScript, []string{key}, stored, ms(now), seen)
		if err != nil {
			return tori.Appointment{}, err
		}
		if code != "CHANGED" {
			return s.result(ctx, id, code, notFound())
		}
		if _, locked := s.Keys.openNote(id, cur); locked && !replaceLocked {
			return tori.Appointment{}, tori.Errorf(tori.ECONFLICT, "The note kept on this session cannot be read here (it was encrypted with a key this server does not have), so it was left as it is.")
		}
		seen = cur
	}
	return tori.Appointment{}, tori.Errorf(tori.EUNAVAILABLE, "The note of this session kept changing while it was being saved. Please try again.")
}

// MarkCompleted moves a confirmed booking to completed.
func (s *Store) MarkCompleted(ctx context.Context, id string, now time.Time) (tori.Appointment, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return tori.Appointment{}, err
	}

	keys := []string{s.appointmentKey(tid, id), s.remindKey(tid)}
	code, cur, err := s.runScript(ctx, "complete", completeScript, keys, ms(now), id)
	if err != nil {
		return tori.Appointment{}, err
	}
	return s.result(ctx, id, code, tori.Errorf(tori.ECONFLICT, "This booking is %s and cannot be marked as completed.", cur))
}

// RememberClient keeps a client's name and @username, so that the
// practice can find them by @username, and records their activity at now.
func (s *Store) RememberClient(ctx context.Context, c tori.Client, now time.Time) error {
	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.queueRemember(ctx, p, c, now)
		return nil
	})
	return formatError("remember client", err)
}

// queueRemember keeps every @username the client has had in their profile
// ("u:<name>" fields), so that erasure finds each usernameKey, and
// records their activity (queueSeen). A client with neither name nor
// @username only has their activity recorded.
func (s *Store) queueRemember(ctx context.Context, p redis.Pipeliner, c tori.Client, now time.Time) {
	s.queueSeen(ctx, p, c.ID, now)
	switch {
	case c.Username == "" && c.Name == "":
		return
	case c.Username == "":
		p.HSet(ctx, s.profileKey(c.ID), "name", c.Name, "username", "")
		return
	}
	p.HSet(ctx, s.profileKey(c.ID), "name", c.Name, "username", c.Username, usernameField+strings.ToLower(c.Username), "1")
	p.Set(ctx, s.usernameKey(c.Username), c.ID, 0)
}

// usernameField prefixes the profile fields that record a client's @usernames.
const usernameField = "u:"

// ClientByUsername returns the Telegram id of a @username we have seen;
// ENOTFOUND. A username its client has since changed (and someone else
// may have taken) is not found.
func (s *Store) ClientByUsername(ctx context.Context, username string) (int64, error) {
	username = strings.TrimPrefix(username, "@")
	notFound := func(cause error) error {
		return tori.WrapError(tori.ENOTFOUND, cause, "No client @%s has booked here yet.", username)
	}

	id, err := s.Redis.Get(ctx, s.usernameKey(username)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, notFound(err)
	}
	if err != nil {
		return 0, formatError("client by username", err)
	}

	// A username its client has changed since is not theirs any more.
	now, err := s.Redis.HGet(ctx, s.profileKey(id), "username").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, formatError("client by username", err)
	}
	if !strings.EqualFold(now, username) {
		return 0, notFound(nil)
	}
	return id, nil
}

// Prepay returns what the practice decided about a client's prepayment:
// tori.PrepayExempt, tori.PrepayRequired, or "" (the policy decides).
func (s *Store) Prepay(ctx context.Context, clientID int64) (string, error) {
	v, err := s.Redis.HGet(ctx, s.profileKey(clientID), "prepay").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, formatError("prepay", err)
}

// SetPrepay records it ("" returns the client to the policy).
func (s *Store) SetPrepay(ctx context.Context, clientID int64, mode string) error {
	if mode == "" {
		return formatError("prepay", s.Redis.HDel(ctx, s.profileKey(clientID), "prepay").Err())
	}
	return formatError("prepay", s.Redis.HSet(ctx, s.profileKey(clientID), "prepay", mode).Err())
}

// CalendarToken returns a therapist's feed token, making one if there is none.
func (s *Store) CalendarToken(ctx context.Context, tid string) (string, error) {
	tok := tori.RandomToken(24)
	if _, err := s.Redis.SetNX(ctx, s.calTokenKey(tid), tok, 0).Result(); err != nil {
		return "", formatError("calendar token", err)
	}
	v, err := s.Redis.Get(ctx, s.calTokenKey(tid)).Result()
	return v, formatError("calendar token", err)
}

// NewCalendarToken replaces a therapist's feed token: the old link stops working.
func (s *Store) NewCalendarToken(ctx context.Context, tid string) (string, error) {
	tok := tori.RandomToken(24)
	return tok, formatError("calendar token", s.Redis.Set(ctx, s.calTokenKey(tid), tok, 0).Err())
}

// CheckCalendarToken reports whether tok is the therapist's feed token.
func (s *Store) CheckCalendarToken(ctx context.Context, tid, tok string) (bool, error) {
	v, err := s.Redis.Get(ctx, s.calTokenKey(tid)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, formatError("calendar token", err)
	}
	return len(tok) == len(v) && subtleEqual(tok, v), nil
}

// SaveRelay remembers that message msg in an admin's chat relays a
// client's message, so that a reply to it reaches the client.
// The client's chat keeps a list of them (clientRelaysKey), for erasure.
func (s *Store) SaveRelay(ctx context.Context, adminChat int64, msg int, clientChat int64) error {
	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.clientRelaysKey(clientChat), strconv.FormatInt(adminChat, 10)+":"+strconv.Itoa(msg))
		p.Expire(ctx, s.clientRelaysKey(clientChat), relayKeep)
		p.Set(ctx, s.relayKey(adminChat, msg), clientChat, relayKeep)
		return nil
	})
	return formatError("relay", err)
}

// relayKeep is how long a relayed message can be answered.
const relayKeep = 60 * 24 * time.Hour

// RelayOf returns the client chat of a relayed message; ENOTFOUND.
func (s *Store) RelayOf(ctx context.Context, adminChat int64, msg int) (int64, error) {
	id, err := s.Redis.Get(ctx, s.relayKey(adminChat, msg)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, tori.WrapError(tori.ENOTFOUND, err, "that message is not a client's")
	}
	return id, formatError("relay", err)
}

func subtleEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
