package storage

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// ClaimUpdate claims a Telegram update id for handling, for lease. It
// reports false when the update is being handled elsewhere or was handled
// already.
func (s *Store) ClaimUpdate(ctx context.Context, updateID int64, lease time.Duration) (bool, error) {
	ok, err := s.Redis.SetNX(ctx, s.updateKey(updateID), "busy", lease).Result()
	return ok, formatError("claim update", err)
}

// FinishUpdate records that an update was handled; a re-delivery within
// keep is skipped.
func (s *Store) FinishUpdate(ctx context.Context, updateID int64, keep time.Duration) error {
	return formatError("finish update", s.Redis.Set(ctx, s.updateKey(updateID), "done", keep).Err())
}

// ForgetUpdate drops the claim on an update whose handling failed, so that
// a re-delivery is handled again.
func (s *Store) ForgetUpdate(ctx context.Context, updateID int64) error {
	return formatError("forget update", s.Redis.Del(ctx, s.updateKey(updateID)).Err())
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

// SetLanguage remembers the language a user chose.
func (s *Store) SetLanguage(ctx context.Context, userID int64, lang string) error {
	return formatError("language", s.Redis.HSet(ctx, s.profileKey(userID), "lang", lang).Err())
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return formatError("ping", s.Redis.Ping(ctx).Err())
}

func sortByStart(as []tori.Appointment) {
	slices.SortStableFunc(as, func(a, b tori.Appointment) int { return a.Start.Compare(b.Start) })
}
