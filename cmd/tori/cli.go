package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// command is one of tori's commands and what it does.
type command struct{ name, what string }

// commands are tori's commands, in the order tori help lists them; ""
// is tori alone.
var commands = []command{
	{"", "run the bot and the worker"},
	{"bot", "run the bot only (--webhook: take updates by webhook, for several replicas)"},
	{"worker", "run the worker only: reminders, hold expiry, refunds, the agenda, the waitlist"},
	{"check", "validate tori.yaml, say what is left of the example, and exit"},
	{"preview", "the local preview, on this machine (--listen ADDR, --public-url URL)"},
	{"rekey", "encrypt every note under TORI_DATA_KEY (docs/ENCRYPTION.md)"},
	{"bench", "a load test against stand-ins for Telegram and PayPal (tori bench -h)"},
	{"health", "ask a running tori's /healthz at HTTP_ADDR: exit 0 if it answers, 1 if not"},
	{"version", "the version, the source revision and the Go version"},
	{"help", "this text"},
}

// usageLine is the one line an unknown command is answered with.
const usageLine = "usage: tori [bot|worker|check|preview|rekey|bench|health|version|help] [--webhook]"

// usage is tori help's text.
func usage() string {
	var b strings.Builder
	b.WriteString("tori: a practice's Telegram booking bot.\n\n" + usageLine + "\n\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  tori %-8s %s\n", c.name, c.what)
	}
	b.WriteString(`
The environment (every variable is explained in .env.example):
  TELEGRAM_BOT_TOKEN  the token @BotFather gave you; without it, tori runs the local preview
  REDIS_URL           default redis://127.0.0.1:6379/0
  TORI_CONFIG         the practice file, default tori.yaml (copy tori.example.yaml)
  HTTP_ADDR           /healthz, /readyz, PayPal's and the calendar's pages; default :8080
  METRICS_ADDR        /metrics and /debug/pprof/; default 127.0.0.1:9090
  PUBLIC_URL          this server's https address, for PayPal and webhook mode
  PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET   for sessions paid in advance
  TORI_DATA_KEY       encrypts the practice's notes
  LOG_LEVEL, LOG_FORMAT  debug, info, warn or error; json or text

Documentation: README.md and docs/ beside the source, tori.example.yaml
(every field of tori.yaml) and .env.example.
`)
	return b.String()
}

// usageError is a command line tori does not understand; main exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + ": " + usageLine }

// infoCommand names the command of args that answers without the
// practice's configuration — help, version or health — or is "".
func infoCommand(args []string) string {
	if len(args) == 0 {
		return ""
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return "help"
	case "version", "-version", "--version":
		return "version"
	case "health":
		return "health"
	case "bench": // bench has flags of its own, -h among them
		return ""
	}

	if slices.ContainsFunc(args[1:], func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }) {
		return "help"
	}
	return ""
}

// runInfo answers help, version and health, runs bench (main runs it
// itself, with its output apart), and refuses a command line it does not
// know; handled is false when args name a command that runs tori.
func runInfo(ctx context.Context, args []string, getenv func(string) string, w io.Writer) (handled bool, err error) {
	if len(args) > 0 && args[0] == "bench" {
		return true, runBench(ctx, args[1:], getenv, w, w)
	}

	switch infoCommand(args) {
	case "help":
		_, err := io.WriteString(w, usage())
		return true, err
	case "version":
		_, err := fmt.Fprintln(w, versionText())
		return true, err
	case "health":
		return true, runHealth(ctx, getenv, w)
	}

	// Anything else must be a command that runs tori, with its one flag.
	for _, a := range args {
		switch {
		case a == "--webhook" || a == "-webhook":
			continue
		case strings.HasPrefix(a, "-"):
			return true, usageError{fmt.Sprintf("unknown flag %q", a)}
		case slices.ContainsFunc(commands, func(c command) bool { return c.name == a }):
			return false, nil
		default:
			return true, usageError{fmt.Sprintf("unknown command %q", a)}
		}
	}
	return false, nil
}

// revision is the source revision when the build info has none (a build
// without .git, as in the Docker image): go build -ldflags "-X main.revision=…".
var revision string

// versionText is tori version's line: the module version and the VCS
// revision from the build info, and the Go that built it.
func versionText() string {
	version, rev, when, modified := "(unknown)", revision, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}

	if version == "" {
		version = "(devel)"
	}

	line := "tori " + version
	if rev == "" {
		line += ", revision unknown (built without version control information)"
	} else {
		line += ", revision " + rev
		if when != "" {
			line += " of " + when
		}
		if modified {
			line += " with local changes"
		}
	}
	return line + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// healthTimeout bounds tori health's request (a variable, so that tests
// can shorten it).
var healthTimeout = 3 * time.Second

// healthURL is where tori health asks: /healthz at HTTP_ADDR, on loopback
// when HTTP_ADDR names no host or every interface (":8080", "0.0.0.0:8080").
func healthURL(getenv func(string) string) (string, error) {
	addr := env(getenv, "HTTP_ADDR", ":8080")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR %q is not host:port or :port, e.g. :8080", addr)
	}

	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.To4() != nil && ip.IsUnspecified():
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// runHealth is tori health: an error unless /healthz answers 200 within
// healthTimeout. It is the container's health check (the image has no
// curl).
func runHealth(ctx context.Context, getenv func(string) string, w io.Writer) error {
	u, err := healthURL(getenv)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}

	client := &http.Client{Transport: &http.Transport{Proxy: nil}} // never through HTTP_PROXY
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL a second time
		}
		return fmt.Errorf("health: no answer from %s: %w", u, err)
	}

	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", u, resp.Status)
	}
	_, err = fmt.Fprintln(w, "ok:", u)
	return err
}
