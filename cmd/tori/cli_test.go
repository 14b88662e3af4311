package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// wrongToken is of @BotFather's form, but not the fake's.
const wrongToken = "999:wrongwrongwrongwrongwrongwrongwrong"

// asMainEnv makes the test binary run main (see TestMain).
const asMainEnv = "TORI_TEST_AS_MAIN"

// runMain runs this test binary as tori with args and only the variables
// in env, and returns what it wrote and its exit code.
func runMain(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// atexit_sleep_ms: a -race binary otherwise waits a second before it exits.
	cmd.Env = []string{asMainEnv + "=1", "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// noConfig is an environment without tori.yaml or a token.
func noConfig(t *testing.T) map[string]string {
	return map[string]string{"TORI_CONFIG": filepath.Join(t.TempDir(), "tori.yaml")}
}

// TestHelp: tori help, --help and -h (also after a command) print the
// commands, the variables that matter and where the docs are, on standard
// output, and exit 0, with no tori.yaml and no token.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}, {"preview", "-h"}, {"check", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runMain(t, noConfig(t), args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, want := range []string{usageLine, "tori check ", "tori health ", "TELEGRAM_BOT_TOKEN", "REDIS_URL", "TORI_CONFIG", "README.md", "tori.example.yaml", ".env.example"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("help lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}

// TestUnknownCommand: an unknown command or flag prints the usage line,
// on one line, and exits 2, before reading tori.yaml.
func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"--verbose"}, {"--webhook", "start"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runMain(t, noConfig(t), args...)
			want := "tori: unknown "
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.HasSuffix(stderr, ": "+usageLine+"\n") || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and one line %q…%q", code, stdout, stderr, want, usageLine)
			}
		})
	}
}

// TestVersion: tori version and --version say the module version, the
// revision (or that the build has none) and the Go version, with no
// tori.yaml.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		stdout, stderr, code := runMain(t, noConfig(t), arg)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "tori ") || !strings.Contains(stdout, ", revision ") || !strings.Contains(stdout, runtime.Version()) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
	revision = "abc123" // as -ldflags -X sets it
	defer func() { revision = "" }()
	if v := versionText(); !strings.Contains(v, "revision abc123") {
		t.Fatalf("version with -X main.revision: %q", v)
	}
}

// TestHealth: tori health asks /healthz at HTTP_ADDR (on loopback when
// it names no host) and fails when the answer is not 200 or there is
// none. A live tori's own /healthz is asked in TestRunEndToEnd.
func TestHealth(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	health := func(addr string) error {
		return run(context.Background(), []string{"health"}, func(k string) string {
			return map[string]string{"HTTP_ADDR": addr, "TORI_CONFIG": "/nonexistent/tori.yaml"}[k]
		}, &syncBuffer{})
	}
	for _, addr := range []string{":" + port, "0.0.0.0:" + port, "127.0.0.1:" + port} {
		if err := health(addr); err != nil {
			t.Fatalf("HTTP_ADDR %s: %v", addr, err)
		}
	}
	status.Store(http.StatusServiceUnavailable)
	if err := health(":" + port); err == nil || !strings.Contains(err.Error(), "answered 503") {
		t.Fatalf("a 503: %v", err)
	}
	if err := health(freeAddr(t)); err == nil || !strings.Contains(err.Error(), "health: no answer from http://127.0.0.1:") {
		t.Fatalf("nothing listening: %v", err)
	}
	if _, _, code := runMain(t, map[string]string{"HTTP_ADDR": freeAddr(t)}, "health"); code != 1 {
		t.Fatalf("tori health with nothing listening exited %d, want 1", code)
	}
}

// TestTokenRefusedBeforeAnyCall: a token not of @BotFather's form stops
// tori with one line, and Telegram is not asked.
func TestTokenRefusedBeforeAnyCall(t *testing.T) {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer api.Close()
	for _, token := range []string{"654321", "654321:short", `"` + telegramtest.Token + `"`, "bot" + telegramtest.Token, telegramtest.Token + "x", "abc:" + telegramtest.Token[7:]} {
		err := run(context.Background(), nil, testEnv(t, nil, map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api.URL}), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN is not a bot token") || strings.Contains(err.Error(), token) {
			t.Fatalf("token %q: %v", token, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("Telegram was asked %d times", n)
	}
}

// TestTelegramThatNeverAnswers: a server that takes the connection and
// never answers stops tori, after a line saying it is connecting, with one
// line, once telegramTimeout has passed.
func TestTelegramThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // accepted, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	old := telegramTimeout
	telegramTimeout = 200 * time.Millisecond
	defer func() { telegramTimeout = old }()
	logs := &syncBuffer{}
	err = run(context.Background(), []string{"bot"}, testEnv(t, nil, map[string]string{"TELEGRAM_API_URL": "http://" + ln.Addr().String()}), logs)
	want := "Telegram (" + ln.Addr().String() + ") did not answer within 200ms: check the network, or TELEGRAM_API_URL"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if !strings.Contains(logs.String(), "connecting to Telegram…") {
		t.Fatalf("no line before connecting:\n%s", logs)
	}
}

// TestTelegramSilentAfterConnecting: a Bot API that answers getMe, then
// takes the start-up calls and never answers them, does not hold tori:
// the command menus give up with a warning after telegramTimeout, and
// asking whether a webhook is set stops tori with one line.
func TestTelegramSilentAfterConnecting(t *testing.T) {
	fake := telegramtest.NewUnstarted()
	stop := make(chan struct{})
	serve := fake.Config.Handler
	fake.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/setMyCommands") || strings.HasSuffix(r.URL.Path, "/getWebhookInfo") {
			select { // taken, never answered
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		serve.ServeHTTP(w, r)
	})
	fake.Start()
	defer fake.Close()
	defer close(stop)

	old := telegramTimeout
	telegramTimeout = 200 * time.Millisecond
	defer func() { telegramTimeout = old }()
	logs := &syncBuffer{}
	err := run(context.Background(), []string{"bot"}, testEnv(t, fake, nil), logs)
	want := "Telegram (" + strings.TrimPrefix(fake.URL, "http://") + ") did not answer within 200ms (asking whether a webhook is set): check the network, or TELEGRAM_API_URL"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if !strings.Contains(logs.String(), "could not register the command menu") {
		t.Fatalf("no warning for the command menus:\n%s", logs)
	}
}

// TestRedisClientSilent: when Redis does not answer, tori says so in its
// one line, and the Redis client's own lines (pool.go: …) do not come
// before it.
func TestRedisClientSilent(t *testing.T) {
	env := map[string]string{"TORI_CONFIG": "../../tori.example.yaml", "TELEGRAM_BOT_TOKEN": telegramtest.Token, "REDIS_URL": "redis://127.0.0.1:1/0", "LOG_FORMAT": "text"}
	_, stderr, code := runMain(t, env)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 1 || !strings.HasPrefix(lines[len(lines)-1], "tori: Redis at 127.0.0.1:1 db 0 does not answer") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, l := range lines[:len(lines)-1] {
		if !strings.Contains(l, "level=") { // only tori's own log lines (the example's placeholders)
			t.Fatalf("a line not of tori's: %q in\n%s", l, stderr)
		}
	}
}

// TestBenchFlagErrorKeepsItsCause: a refused bench flag says how to use
// tori bench and still wraps the flag package's error (flag.ErrHelp for -h).
func TestBenchFlagErrorKeepsItsCause(t *testing.T) {
	_, err := parseBenchArgs([]string{"-h"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "use tori bench [-clients") {
		t.Fatalf("error = %v, want the usage", err)
	}
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("error %q does not wrap flag.ErrHelp", err)
	}
}
