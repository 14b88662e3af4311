// Package storagetest gives tests a real Redis under a key prefix of their
// own, so that packages and tests can run in parallel on one server.
package storagetest

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
)

// URL is the Redis tests use: REDIS_URL, or the local default.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// MustRedis connects to the test Redis or fails the test with what to do.
func MustRedis(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	rdb, err := storage.Connect(context.Background(), URL())
	if err != nil {
		tb.Fatalf("tests need a Redis server: %v (start one with: redis-server --daemonize yes)", err)
	}
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// MustStore returns a Store under a key prefix unique to this test; its keys
// are deleted when the test ends.
func MustStore(tb testing.TB) *storage.Store {
	tb.Helper()
	rdb := MustRedis(tb)
	prefix := "test:" + tori.RandomToken(8) + ":"
	tb.Cleanup(func() { DeletePrefix(rdb, prefix) })
	return storage.New(rdb, prefix)
}

// DeletePrefix removes every key under prefix (on every master of a cluster).
func DeletePrefix(rdb redis.UniversalClient, prefix string) { storage.DeletePrefix(rdb, prefix) }
