package storage

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// Claim claims an external event (kind "tg" for Telegram updates, "pp" for
// PayPal webhook events) for lease; false when it is being handled or was
// handled.
func (s *Store) Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error) {
	ok, err := s.Redis.SetNX(ctx, s.seenKey(kind, id), "busy", lease).Result()
	return ok, formatError("claim "+kind, err)
}

// ClaimUpdate is Claim of a Telegram update together with its sender's
// chosen language (Language) and, when stateOf is not 0, that chat's state
// (ChatState; nil when there is none), in one round trip: what an update
// needs first. done claims it as finished already (for lease), for a caller
// that will not Finish it. When the claim fails but the language was read
// (a server out of memory refuses the claim, not the reads), the language
// comes with the error.
func (s *Store) ClaimUpdate(ctx context.Context, id string, lease time.Duration, userID int64, done bool, stateOf int64) (bool, string, []byte, error) {
	var claim *redis.BoolCmd
	var lang, state *redis.StringCmd
	mark := "busy"
	if done {
		mark = "done"
	}

	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		claim = p.SetNX(ctx, s.seenKey("tg", id), mark, lease)
		lang = p.HGet(ctx, s.profileKey(userID), "lang")
		if stateOf != 0 {
			state = p.Get(ctx, s.chatStateKey(stateOf))
		}
		return nil
	})

	// The pipeline's error is its first command's, redis.Nil (no language,
	// no state) included: each is checked, so that no failed read passes
	// for an empty one.
	if err == nil || errors.Is(err, redis.Nil) {
		err = cmp.Or(ignoreNil(claim.Err()), ignoreNil(lang.Err()))
	}

	var st []byte
	if state != nil && err == nil {
		err = ignoreNil(state.Err())
		if state.Err() == nil {
			st = []byte(state.Val())
		}
	}
	if err != nil {
		return false, lang.Val(), nil, formatError("claim tg", err)
	}
	return claim.Val(), lang.Val(), st, nil
}

// ignoreNil is err, but nil for redis.Nil (nothing there, which is an answer).
func ignoreNil(err error) error {
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}

// Finish marks a claimed event handled for keep.
func (s *Store) Finish(ctx context.Context, kind, id string, keep time.Duration) error {
	return formatError("finish "+kind, s.Redis.Set(ctx, s.seenKey(kind, id), "done", keep).Err())
}

// Handled reports whether a claimed event was finished (not only claimed).
func (s *Store) Handled(ctx context.Context, kind, id string) (bool, error) {
	v, err := s.Redis.Get(ctx, s.seenKey(kind, id)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return v == "done", formatError("handled "+kind, err)
}

// Attempt counts a failed attempt at an event and returns how many there
// have been (kept for keep).
func (s *Store) Attempt(ctx context.Context, kind, id string, keep time.Duration) (int, error) {
	key := s.seenKey(kind+"-fail", id)
	var n *redis.IntCmd
	err := s.tx(ctx, func(p redis.Pipeliner) error {
		n = p.Incr(ctx, key)
		p.Expire(ctx, key, keep)
		return nil
	})
	if err != nil {
		return 0, formatError("attempt "+kind, err)
	}
	return int(n.Val()), nil
}

// Forget drops a claim after a failure, so that a re-delivery is handled.
func (s *Store) Forget(ctx context.Context, kind, id string) error {
	return formatError("forget "+kind, s.Redis.Del(ctx, s.seenKey(kind, id)).Err())
}

// ChatState returns a chat's saved conversation state, or nil.
func (s *Store) ChatState(ctx context.Context, chatID int64) ([]byte, error) {
	b, err := s.Redis.Get(ctx, s.chatStateKey(chatID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, formatError("chat state", err)
}

// SetChatState saves a chat's conversation state for ttl; nil deletes it.
func (s *Store) SetChatState(ctx context.Context, chatID int64, state []byte, ttl time.Duration) error {
	if state == nil {
		return formatError("chat state", s.Redis.Del(ctx, s.chatStateKey(chatID)).Err())
	}
	return formatError("chat state", s.Redis.Set(ctx, s.chatStateKey(chatID), state, ttl).Err())
}

// Language returns the language a user chose, or "".
func (s *Store) Language(ctx context.Context, userID int64) (string, error) {
	l, err := s.Redis.HGet(ctx, s.profileKey(userID), "lang").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return l, formatError("language", err)
}

// SetLanguage remembers the language a user chose, and records their
// activity at now (queueSeen).
func (s *Store) SetLanguage(ctx context.Context, userID int64, lang string, now time.Time) error {
	_, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.profileKey(userID), "lang", lang)
		s.queueSeen(ctx, p, userID, now)
		return nil
	})
	return formatError("language", err)
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return formatError("ping", s.Redis.Ping(ctx).Err())
}

func sortByStart(as []tori.Appointment) {
	slices.SortStableFunc(as, func(a, b tori.Appointment) int { return a.Start.Compare(b.Start) })
}
