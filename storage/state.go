package storage

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// FirstDelivery records a Telegram update id and reports whether it is the
// first time it was seen. The record lasts ttl (Telegram re-delivers within
// a day at most).
func (s *Store) FirstDelivery(ctx context.Context, updateID int64, ttl time.Duration) (bool, error) {
	ok, err := s.Redis.SetNX(ctx, s.updateKey(updateID), "1", ttl).Result()
	return ok, formatError("update", err)
}

// ForgetDelivery removes an update id's record, so that a re-delivery of an
// update that failed is processed again.
func (s *Store) ForgetDelivery(ctx context.Context, updateID int64) error {
	return formatError("update", s.Redis.Del(ctx, s.updateKey(updateID)).Err())
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
