package storage

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestOpenURLs: one server, a cluster and Sentinel are told apart by the
// URL, passwords never show in what is named, and a bad URL says what to
// write.
func TestOpenURLs(t *testing.T) {
	tests := []struct {
		url, where string
		kind       any
	}{
		{"redis://127.0.0.1:6379/2", "127.0.0.1:6379 db 2", &redis.Client{}},
		{"redis://:secret@10.0.0.5:6380/0", "10.0.0.5:6380 db 0", &redis.Client{}},
		{"redis+cluster://h1:7000,h2:7001,h3:7002", "cluster h1:7000,h2:7001,h3:7002", &redis.ClusterClient{}},
		{"redis+cluster://user:secret@h1:7000,h2:7001", "cluster h1:7000,h2:7001", &redis.ClusterClient{}},
		{"redis+sentinel://:secret@s1:26379,s2:26379/mymaster/1", "sentinel master mymaster via s1:26379,s2:26379", &redis.Client{}},
		{"redis+cluster://h1,h2,h3", "cluster h1:6379,h2:6379,h3:6379", &redis.ClusterClient{}},
		{"redis+sentinel://s1,s2:26380/mymaster?sentinel_password=secret", "sentinel master mymaster via s1:26379,s2:26380", &redis.Client{}},
	}
	for _, tt := range tests {
		rdb, where, err := open(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		defer rdb.Close()
		if where != tt.where || strings.Contains(where, "secret") {
			t.Errorf("%s: named %q, want %q", tt.url, where, tt.where)
		}
		switch tt.kind.(type) {
		case *redis.ClusterClient:
			if _, ok := rdb.(*redis.ClusterClient); !ok {
				t.Errorf("%s: %T, want a cluster client", tt.url, rdb)
			}
		default:
			if _, ok := rdb.(*redis.Client); !ok {
				t.Errorf("%s: %T, want a client", tt.url, rdb)
			}
		}
	}
	for _, bad := range []string{"127.0.0.1:6379", "redis+sentinel://s1:26379", "redis+cluster://", "redis+sentinel://s1:26379/m/zero",
		"redis+sentinel://s1/m?password=x", "redis://:s3cr%et@host:6379/0", "redis+cluster://u:s3cr%et@h1:7000,h2:x:y"} {
		if _, _, err := open(bad); err == nil || !strings.Contains(err.Error(), "REDIS_URL is not a Redis URL such as") || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestClusterURL: REDIS_CLUSTER_ADDRS keeps REDIS_URL's password and TLS.
func TestClusterURL(t *testing.T) {
	for _, tt := range []struct{ base, want string }{
		{"redis://127.0.0.1:6379/0", "redis+cluster://a:7000,b:7001"},
		{"rediss://user:pw@x:6380/0", "rediss+cluster://user:pw@a:7000,b:7001"},
	} {
		if got := ClusterURL(tt.base, []string{"a:7000", "b:7001"}); got != tt.want {
			t.Errorf("ClusterURL(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}
