package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Connect opens the Redis at url (redis:// or rediss://) with deadlines that
// follow the caller's context, and checks that it answers.
func Connect(ctx context.Context, url string) (redis.UniversalClient, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL is not a Redis URL such as redis://127.0.0.1:6379/0: %w", err)
	}
	opt.ContextTimeoutEnabled = true
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 3 * time.Second
	}
	rdb := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("Redis at %s does not answer (%v): start it, or set REDIS_URL", redactURL(opt), err)
	}
	return rdb, nil
}

// redactURL names the server without its password.
func redactURL(o *redis.Options) string {
	return fmt.Sprintf("%s db %d", o.Addr, o.DB)
}
