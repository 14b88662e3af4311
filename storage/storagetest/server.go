package storagetest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
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
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
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

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
