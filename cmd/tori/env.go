package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/storage"
)

// runConfig is what tori (the bot, the worker or both) reads from its
// command line, tori.yaml and the environment before it dials anything:
// the first half of run (wtf's ParseFlags). A setting that is not valid
// stops tori here, before any network call.
type runConfig struct {
	command   string // "" (bot and worker), "bot", "worker", "check" or "rekey"
	cfgPath   string
	practice  *tori.Practice
	runBot    bool
	runWorker bool
	webhook   bool // take updates by webhook rather than long polling
	noWebhook bool // TELEGRAM_WEBHOOK is false: polling removes a webhook left set

	token   string
	apiURL  string  // TELEGRAM_API_URL, "" for Telegram's own
	rate    float64 // TELEGRAM_RATE, messages a second
	public  string  // PUBLIC_URL, without a trailing slash
	secret  string  // TELEGRAM_WEBHOOK_SECRET
	maxConn int     // TELEGRAM_WEBHOOK_MAX_CONNECTIONS

	redisURL    string
	prefix      string // REDIS_PREFIX
	keys        *storage.Keyring
	httpAddr    string
	metricsAddr string           // METRICS_ADDR as set ("" for the default)
	paypal      *payments.Config // nil: the practice takes no money online

	// calDAV are the CalDAV passwords by variable name; calDAVMissing the
	// variables a CalDAV calendar names that are not set.
	calDAV        map[string]string
	calDAVMissing []string
}

// readRunConfig reads the command line and tori.yaml, and for the bot and
// the worker the environment; check and rekey need no more than the
// practice.
func readRunConfig(args []string, getenv func(string) string) (runConfig, error) {
	c := runConfig{cfgPath: env(getenv, "TORI_CONFIG", "tori.yaml"), runBot: true, runWorker: true}
	var err error
	if c.practice, err = loadPractice(c.cfgPath); err != nil {
		return c, err
	}

	// The command, and --webhook anywhere on the line.
	v := getenv("TELEGRAM_WEBHOOK")
	c.webhook = strings.EqualFold(v, "true") || v == "1"
	c.noWebhook = strings.EqualFold(v, "false") || v == "0"
	for _, a := range args {
		switch {
		case a == "--webhook" || a == "-webhook":
			c.webhook = true
		case c.command == "":
			c.command = a
		}
	}

	// check and rekey need the practice alone (check says which CalDAV
	// passwords are not set); the bot and the worker, the environment too.
	c.calDAV, c.calDAVMissing = calDAVPasswords(c.practice, getenv)
	switch c.command {
	case "check", "rekey":
		return c, nil
	case "":
	case "bot":
		c.runWorker = false
	case "worker":
		c.runBot = false
	default:
		return c, usageError{fmt.Sprintf("unknown command %q", c.command)}
	}
	return c, c.readEnv(getenv)
}

// readEnv reads what the bot and the worker need of the environment.
func (c *runConfig) readEnv(getenv func(string) string) error {
	if c.runWorker && len(c.calDAVMissing) > 0 {
		return errors.New(c.calDAVMissing[0])
	}
	var err error
	if c.token, err = readToken(getenv); err != nil {
		return err
	}

	c.apiURL = getenv("TELEGRAM_API_URL")
	c.public = strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/")
	c.secret = strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET"))
	c.redisURL = redisURLOf(getenv)
	c.prefix = env(getenv, "REDIS_PREFIX", "tori:")
	c.httpAddr = env(getenv, "HTTP_ADDR", ":8080")
	c.metricsAddr = strings.TrimSpace(getenv("METRICS_ADDR"))

	c.maxConn = 40
	if c.takesWebhook() {
		if err := checkWebhook(c.public, c.secret); err != nil {
			return err
		}
		if c.maxConn, err = webhookConnections(getenv); err != nil {
			return err
		}
	}

	if c.keys, err = dataKeys(getenv); err != nil {
		return err
	}
	if c.rate, err = telegramRate(getenv); err != nil {
		return err
	}
	c.paypal, err = readPayPal(c.practice, getenv)
	return err
}

// takesWebhook reports whether this process takes Telegram's updates by
// webhook; polls whether it long-polls for them.
func (c runConfig) takesWebhook() bool { return c.runBot && c.webhook }
func (c runConfig) polls() bool        { return c.runBot && !c.webhook }

// check is tori check's answer: the practice file is valid (readRunConfig
// got this far), with a warning for each placeholder left from the example.
func (c runConfig) check(w io.Writer) error {
	p := c.practice
	fmt.Fprintf(w, "%s is valid: %s, %d therapist(s), %d service(s), time zone %s\n",
		c.cfgPath, p.Name, len(p.Therapists), len(p.Services), p.Location)

	for _, ph := range placeholders(p) {
		fmt.Fprintln(w, "warning:", ph)
	}
	for _, m := range c.calDAVMissing {
		fmt.Fprintln(w, "warning:", m)
	}
	return nil
}

// checkWebhook says what webhook mode needs that is missing.
func checkWebhook(public, secret string) error {
	// Telegram posts to https only; plain http is let through for this
	// machine alone (a local Bot API server, or the fault-injection suite).
	if !strings.HasPrefix(public, "https://") && !strings.HasPrefix(public, "http://127.0.0.1:") && !strings.HasPrefix(public, "http://localhost:") {
		return errors.New("webhook mode needs PUBLIC_URL, the https address Telegram posts updates to (e.g. https://tori.example.com)")
	}
	if secret == "" || len(secret) > 256 || strings.ContainsFunc(secret, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return errors.New("webhook mode needs TELEGRAM_WEBHOOK_SECRET: 1 to 256 characters of A-Z, a-z, 0-9, _ and -, e.g. the output of: openssl rand -hex 32")
	}
	return nil
}

// webhookConnections is TELEGRAM_WEBHOOK_MAX_CONNECTIONS, 40 when unset.
func webhookConnections(getenv func(string) string) (int, error) {
	n, v, ok := envInt(getenv, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS", 40, 1, 100)
	if !ok {
		return 0, fmt.Errorf("TELEGRAM_WEBHOOK_MAX_CONNECTIONS %q: use 1 to 100 (Telegram's range; 40 is its default)", v)
	}
	return n, nil
}

// envInt reads the integer variable key, def when it is unset; ok is
// false when it is set to something other than a number from lo to hi,
// raw what it is set to.
func envInt(getenv func(string) string, key string, def, lo, hi int) (n int, raw string, ok bool) {
	raw = strings.TrimSpace(getenv(key))
	if raw == "" {
		return def, raw, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, raw, false
	}
	return n, raw, true
}

// telegramRate is TELEGRAM_RATE, 25 messages a second when unset.
func telegramRate(getenv func(string) string) (float64, error) {
	v := strings.TrimSpace(getenv("TELEGRAM_RATE"))
	if v == "" {
		return 25, nil
	}
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r <= 0 || r > 30 {
		return 0, fmt.Errorf("TELEGRAM_RATE %q: use messages per second for this process, more than 0 and at most 30 (Telegram's limit for a bot is about 30)", v)
	}
	return r, nil
}
