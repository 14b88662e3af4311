package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process of a test's own: for what a shared
// server cannot give (its command statistics, a restart, a crash). It is
// stopped when the test ends.
type Server struct {
	tb   testing.TB
	Port int
	Dir  string
	args []string
	cmd  *exec.Cmd
}

// ServerOption adds redis-server arguments.
type ServerOption []string

// AOF keeps every write in an append-only file synced on each write, the
// production setting of docker-compose.yml, so a restart loses nothing
// acknowledged.
var AOF = ServerOption{"--appendonly", "yes", "--appendfsync", "always"}

// Small caps the server's memory at 2 MB and refuses writes beyond it
// (noeviction): a server that Fill brings to the brim in a moment.
var Small = ServerOption{"--maxmemory", "2mb", "--maxmemory-policy", "noeviction"}

// StartServer starts redis-server on a free local port, or fails the test
// with what to install.
func StartServer(tb testing.TB, opts ...ServerOption) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("this test runs a redis-server of its own: install it (apt-get install -y redis-server): %v", err)
	}

	s := &Server{tb: tb, Port: freePort(tb), Dir: tb.TempDir()}
	s.args = []string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no"}
	for _, o := range opts {
		s.args = append(s.args, o...)
	}
	s.args = append([]string{bin}, s.args...)

	s.start()
	tb.Cleanup(s.Kill)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.Port) }

// Client is a plain client of the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port)})
	s.tb.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) start() {
	s.tb.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("starting redis-server: %v", err)
	}

	// Then wait until it answers.
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		var answer redis.Error // a replica cut off from its master answers MASTERDOWN
		if err == nil || errors.As(err, &answer) {
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis-server on port %d did not answer: %v", s.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_, _ = s.cmd.Process.Wait()
	s.cmd = nil
}

// Restart kills the server and starts it again on the same port and
// directory; with AOF it comes back with every acknowledged write.
func (s *Server) Restart(down time.Duration) {
	s.tb.Helper()
	s.Kill()
	time.Sleep(down)
	s.start()
}

// Fill writes ballast until the server refuses a write for want of memory
// (OOM; start it with Small), and returns what deletes the ballast and
// takes writes again. The refused write's own buffer counted towards the
// limit, and a client that goes away frees its buffers too, so the cap
// then comes down to a little below what the server uses: it stays full.
func (s *Server) Fill() (free func()) {
	s.tb.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), MaxRetries: -1})
	defer c.Close()
	limit, err := c.ConfigGet(ctx, "maxmemory").Result()
	if err != nil {
		s.tb.Fatal(err)
	}

	// Ballast until Redis refuses a write for memory.
	ballast := strings.Repeat("x", 64<<10)
	var keys []string
	for i := 0; ; i++ {
		if i == 1000 {
			s.tb.Fatalf("redis-server on port %d took %d MB of ballast: start it with storagetest.Small", s.Port, i/16)
		}
		key := "ballast:" + strconv.Itoa(i)
		err := c.Set(ctx, key, ballast, 0).Err()
		if err != nil && strings.HasPrefix(err.Error(), "OOM ") {
			break
		}
		if err != nil {
			s.tb.Fatalf("filling redis-server on port %d: %v", s.Port, err)
		}
		keys = append(keys, key)
	}

	// Then the limit goes just under what is used, so the next write is refused too.
	info, err := c.InfoMap(ctx, "memory").Result()
	if err != nil {
		s.tb.Fatal(err)
	}
	used, err := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
	if err != nil {
		s.tb.Fatalf("used_memory of redis-server on port %d: %v", s.Port, err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used-256<<10, 10)).Err(); err != nil {
		s.tb.Fatal(err)
	}

	return func() {
		s.tb.Helper()
		c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), MaxRetries: -1})
		defer c.Close()
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				s.tb.Fatalf("freeing redis-server on port %d: %v", s.Port, err)
			}
		}
		if err := c.ConfigSet(ctx, "maxmemory", limit["maxmemory"]).Err(); err != nil {
			s.tb.Fatal(err)
		}
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
