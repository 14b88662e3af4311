package storage

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Connect opens the Redis at rawURL with deadlines that follow the
// caller's context, and checks that it answers:
//
//	redis://[user:pass@]host:6379/0       one server (rediss:// for TLS)
//	redis+cluster://[user:pass@]h1:7000,h2:7001,h3:7002
//	                                      a Redis Cluster (any of its nodes)
//	redis+sentinel://[:pass@]h1:26379,h2:26379/mymaster[/0]
//	                                      the master Sentinel names mymaster
//
// Every script's keys share one hash tag, so all three work the same.
func Connect(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	rdb, where, err := open(rawURL)
	if err != nil {
		return nil, err
	}

	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("Redis at %s does not answer (%w): start it, or set REDIS_URL", where, err)
	}
	return rdb, nil
}

// open builds the client for rawURL and names what it reaches, without
// its password.
func open(rawURL string) (redis.UniversalClient, string, error) {
	var (
		rdb   redis.UniversalClient
		where string
		err   error
	)
	switch {
	case strings.HasPrefix(rawURL, "redis+cluster://"), strings.HasPrefix(rawURL, "rediss+cluster://"):
		rdb, where, err = openCluster(rawURL)
	case strings.HasPrefix(rawURL, "redis+sentinel://"):
		rdb, where, err = openSentinel(rawURL)
	default:
		rdb, where, err = openServer(rawURL)
	}
	if err != nil {
		return nil, "", badURL(rawURL, err)
	}
	return rdb, where, nil
}

// badURL says that rawURL is not a Redis URL, and why. The parser's own
// message may quote the URL, password and all: the password is masked.
func badURL(rawURL string, err error) error {
	msg := err.Error()
	if _, pw, ok := userinfo(rawURL); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "***")
		if esc := url.QueryEscape(pw); esc != pw {
			msg = strings.ReplaceAll(msg, esc, "***")
		}
	}
	return fmt.Errorf("REDIS_URL is not a Redis URL such as redis://127.0.0.1:6379/0, redis+cluster://h1:7000,h2:7001 or redis+sentinel://h1:26379/mymaster: %s", msg)
}

// openServer is the client of one server: redis:// or rediss://.
func openServer(rawURL string) (redis.UniversalClient, string, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	opt.ContextTimeoutEnabled = true
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 3 * time.Second
	}
	return redis.NewClient(opt), fmt.Sprintf("%s db %d", opt.Addr, opt.DB), nil
}

// openCluster is the client of a Redis Cluster: redis+cluster://, which
// the client's own URL form (one node, the others as addr= parameters)
// is built from.
func openCluster(rawURL string) (redis.UniversalClient, string, error) {
	scheme, rest, _ := strings.Cut(rawURL, "+cluster://")
	hostPart, query, _ := strings.Cut(rest, "?")
	hostPart, _, _ = strings.Cut(hostPart, "/")
	user, hosts := splitUser(hostPart)
	if len(hosts) == 0 || hosts[0] == "" {
		return nil, "", fmt.Errorf("no cluster nodes")
	}
	hosts = withPort(hosts, "6379")

	u := scheme + "://" + user + hosts[0]
	var params []string
	for _, h := range hosts[1:] {
		params = append(params, "addr="+url.QueryEscape(h))
	}
	if query != "" {
		params = append(params, query)
	}
	if len(params) > 0 {
		u += "?" + strings.Join(params, "&")
	}

	opt, err := redis.ParseClusterURL(u)
	if err != nil {
		return nil, "", err
	}
	opt.ContextTimeoutEnabled = true
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 3 * time.Second
	}
	return redis.NewClusterClient(opt), "cluster " + strings.Join(opt.Addrs, ","), nil
}

// openSentinel is the client of the master Sentinel names:
// redis+sentinel://[:pass@]h1:26379,h2:26379/mymaster[/db][?sentinel_password=…].
func openSentinel(rawURL string) (redis.UniversalClient, string, error) {
	rest := strings.TrimPrefix(rawURL, "redis+sentinel://")
	hostPart, path, _ := strings.Cut(rest, "/")
	user, hosts := splitUser(hostPart)
	path, query, _ := strings.Cut(path, "?")
	master, dbPart, _ := strings.Cut(path, "/")
	if master == "" || len(hosts) == 0 || hosts[0] == "" {
		return nil, "", fmt.Errorf("write the sentinels and the master's name: redis+sentinel://h1:26379,h2:26379/mymaster")
	}
	hosts = withPort(hosts, "26379")
	opt := &redis.FailoverOptions{MasterName: master, SentinelAddrs: hosts, ContextTimeoutEnabled: true, DialTimeout: 3 * time.Second}

	var err error
	if opt.SentinelPassword, err = sentinelPassword(query); err != nil {
		return nil, "", err
	}
	if user != "" {
		info, err := url.Parse("redis://" + user + "x")
		if err != nil {
			return nil, "", err
		}
		opt.Username = info.User.Username()
		opt.Password, _ = info.User.Password()
	}
	if dbPart != "" {
		if opt.DB, err = strconv.Atoi(dbPart); err != nil {
			return nil, "", fmt.Errorf("database %q is not a number", dbPart)
		}
	}
	return redis.NewFailoverClient(opt), "sentinel master " + master + " via " + strings.Join(hosts, ","), nil
}

// sentinelPassword reads a Sentinel URL's query: sentinel_password alone,
// for sentinels with a password of their own.
func sentinelPassword(query string) (string, error) {
	if query == "" {
		return "", nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("the part after ? is not a query")
	}
	for k := range q {
		if k != "sentinel_password" {
			return "", fmt.Errorf("unknown parameter %q (only sentinel_password, when the sentinels have a password of their own)", k)
		}
	}
	return q.Get("sentinel_password"), nil
}

// splitUser splits "user:pass@h1,h2" into "user:pass@" and the hosts.
func splitUser(s string) (string, []string) {
	user := ""
	if at := strings.LastIndex(s, "@"); at >= 0 {
		user, s = s[:at+1], s[at+1:]
	}
	return user, strings.Split(s, ",")
}

// withPort gives each host without a port the default one.
func withPort(hosts []string, port string) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), port)
		}
		out[i] = h
	}
	return out
}

// userinfo returns the user and password written in a Redis URL of any of
// the three kinds.
func userinfo(rawURL string) (string, string, bool) {
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "", "", false
	}
	hostPart, _, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(hostPart, "@")
	if at < 0 {
		return "", "", false
	}
	user, pw, _ := strings.Cut(hostPart[:at], ":")
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	if p, err := url.PathUnescape(pw); err == nil {
		pw = p
	}
	return user, pw, true
}

// ClusterURL is the redis+cluster:// URL of the given nodes, with the user,
// password and TLS of base (a REDIS_URL) kept.
func ClusterURL(base string, nodes []string) string {
	scheme := "redis+cluster://"
	if strings.HasPrefix(base, "rediss") {
		scheme = "rediss+cluster://"
	}
	user := ""
	if _, rest, ok := strings.Cut(base, "://"); ok {
		hostPart, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(hostPart, "@"); at >= 0 {
			user = hostPart[:at+1]
		}
	}
	return scheme + user + strings.Join(nodes, ",")
}

// DeletePrefix removes every key under prefix (on every master of a
// cluster): what a test or a benchmark wrote under its own prefix.
func DeletePrefix(rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	glob := globEscape(prefix) + "*"
	del := func(c redis.Cmdable) {
		iter := c.Scan(ctx, 0, glob, 1000).Iterator()
		for iter.Next(ctx) {
			c.Unlink(ctx, iter.Val())
		}
	}

	// On a cluster, on every master.
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { del(c); return nil })
		return
	}
	del(rdb)
}
