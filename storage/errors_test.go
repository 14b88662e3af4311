package storage_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestErrorsKeepTheirCause: what storage translates keeps the Redis error
// under it, for errors.Is and errors.As.
func TestErrorsKeepTheirCause(t *testing.T) {
	ctx := context.Background()

	t.Run("NotFound", func(t *testing.T) {
		s := storagetest.MustStore(t)
		_, err := s.RelayOf(ctx, 42, 7)
		wantCode(t, err, tori.ENOTFOUND)
		if !errors.Is(err, redis.Nil) {
			t.Fatalf("%v does not carry redis.Nil", err)
		}
		_, err = s.WaitEntry(ctx, "nothing")
		wantCode(t, err, tori.ENOTFOUND)
		if !errors.Is(err, redis.Nil) {
			t.Fatalf("%v does not carry redis.Nil", err)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		s := storage.New(storagetest.MustRedis(t), "closed:")
		s.Redis.Close()
		_, err := s.Appointment(ctx, tori.NewAppointmentID("adi"))
		if !errors.Is(err, redis.ErrClosed) || !storage.Unavailable(err) {
			t.Fatalf("%v: errors.Is(redis.ErrClosed) = %v, Unavailable = %v", err, errors.Is(err, redis.ErrClosed), storage.Unavailable(err))
		}
	})
	t.Run("AnotherAdaptersOutage", func(t *testing.T) {
		// A PayPal timeout, translated by payments, is not a Redis outage.
		timeout := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")}
		if !storage.Unavailable(timeout) {
			t.Fatal("a network error is not an outage")
		}
		if storage.Unavailable(tori.WrapError(tori.EUNAVAILABLE, timeout, "PayPal capture did not answer")) {
			t.Fatal("a translated PayPal timeout reads as a Redis outage")
		}
	})
}
