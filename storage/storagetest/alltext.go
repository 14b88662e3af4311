package storagetest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// AllText is every key under prefix and everything in it (strings, hash
// fields and values, members of sets and lists, sorted sets' members with
// their scores, stream entries), one line each, in a stable order: for a
// test to look for what must not be stored, or to see that nothing changed.
func AllText(tb testing.TB, rdb redis.UniversalClient, prefix string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var mu sync.Mutex
	var keys []string
	glob := strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(prefix) + "*"
	each := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, glob, 1000).Iterator()
		for iter.Next(ctx) {
			var b strings.Builder
			fmt.Fprintln(&b, iter.Val())
			if err := dumpKey(ctx, c, iter.Val(), &b); err != nil {
				return err
			}
			mu.Lock()
			keys = append(keys, b.String())
			mu.Unlock()
		}
		return iter.Err()
	}

	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return each(ctx, c) })
	} else {
		err = each(ctx, rdb)
	}
	if err != nil {
		tb.Fatalf("reading every key under %s: %v", prefix, err)
	}

	sort.Strings(keys)
	return strings.Join(keys, "")
}

// Naming lists what of an AllText dump holds one of needles (in a key's
// name or in a value), one "key: needle" each.
func Naming(all string, needles ...string) []string {
	var found []string
	key := ""
	for _, line := range strings.Split(all, "\n") {
		if !strings.HasPrefix(line, "\t") {
			key = line
		}
		for _, n := range needles {
			if strings.Contains(line, n) {
				found = append(found, key+": "+n)
			}
		}
	}
	return found
}

// dumpKey writes key k's values to b, a line each, indented under it.
func dumpKey(ctx context.Context, c redis.Cmdable, k string, b *strings.Builder) error {
	typ, err := c.Type(ctx, k).Result()
	if err != nil {
		return err
	}
	read, ok := readers[typ]
	if !ok {
		return fmt.Errorf("key %s: type %s not read", k, typ)
	}

	vals, err := read(ctx, c, k)
	for _, v := range vals {
		fmt.Fprintln(b, "\t"+v)
	}
	return err
}

// readers read a key of each Redis type as lines, sorted where Redis
// keeps no order ("none": a key gone since the scan).
var readers = map[string]func(ctx context.Context, c redis.Cmdable, k string) ([]string, error){
	"string": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		v, err := c.Get(ctx, k).Result()
		if err != nil && err != redis.Nil {
			return nil, err
		}
		return []string{v}, nil
	},
	"hash": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		m, err := c.HGetAll(ctx, k).Result()
		var vals []string
		for f, v := range m {
			vals = append(vals, f+" = "+v)
		}
		sort.Strings(vals)
		return vals, err
	},
	"set": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		vals, err := c.SMembers(ctx, k).Result()
		sort.Strings(vals)
		return vals, err
	},
	"zset": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		zs, err := c.ZRangeWithScores(ctx, k, 0, -1).Result()
		var vals []string
		for _, z := range zs {
			vals = append(vals, fmt.Sprintf("%v %v", z.Member, strconv.FormatFloat(z.Score, 'f', -1, 64)))
		}
		return vals, err
	},
	"list": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		return c.LRange(ctx, k, 0, -1).Result()
	},
	"stream": func(ctx context.Context, c redis.Cmdable, k string) ([]string, error) {
		xs, err := c.XRange(ctx, k, "-", "+").Result()
		var vals []string
		for _, x := range xs {
			vals = append(vals, fmt.Sprint(x.Values))
		}
		return vals, err
	},
	"none": func(context.Context, redis.Cmdable, string) ([]string, error) { return nil, nil },
}
