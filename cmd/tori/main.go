// Command tori runs a practice's Telegram booking bot: it reads the
// practice from tori.yaml and secrets from the environment, long-polls
// Telegram (or serves its webhook), keeps state in Redis and serves
// /healthz and /readyz, and /metrics apart at METRICS_ADDR.
//
//	tori          run the bot and the worker
//	tori bot      run the bot only
//	tori worker   run the worker only (reminders, hold expiry, refunds, reconciliation, agenda, waitlist)
//	tori check    validate tori.yaml and exit
//	tori health   ask a running tori's /healthz (the container's health check)
//	tori version  the version, the source revision and the Go version
//	tori help     the commands and the environment variables that matter
//	tori rekey    encrypt every note under TORI_DATA_KEY (docs/ENCRYPTION.md)
//	tori preview  the local preview, on loopback (--listen ADDR and
//	              --public-url URL serve it elsewhere, deliberately); also
//	              what tori does without TELEGRAM_BOT_TOKEN, outside a container
//
// --webhook (or TELEGRAM_WEBHOOK=true) takes updates by webhook at
// PUBLIC_URL/telegram/webhook instead of long polling: for several bot
// replicas behind a load balancer.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines (and images) without tzdata

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/metrics"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/scheduler"
	"github.com/tori-bot/tori/storage"
)

// Compile-time checks that the adapters satisfy what their users declare.
var (
	_ tori.Store          = (*storage.Store)(nil)
	_ bot.Store           = (*storage.Store)(nil)
	_ tori.PaymentGateway = (*payments.PayPal)(nil)
	_ bot.WebhookParser   = (*payments.PayPal)(nil)
	_ bot.Deliverer       = (*bot.Telegram)(nil)
	_ scheduler.Store     = (*storage.Store)(nil)
	_ tori.PrivacyStore   = (*storage.Store)(nil)
	_ scheduler.Notifier  = (*bot.Notifier)(nil)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// help, version and health print their answer, to standard output;
	// everything else logs, to standard error.
	out := os.Stderr
	if infoCommand(os.Args[1:]) != "" {
		out = os.Stdout
	}
	do := func() error { return run(ctx, os.Args[1:], os.Getenv, out) }
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		do = func() error { return runBench(ctx, os.Args[2:], os.Getenv, os.Stdout, os.Stderr) }
	}
	if spec := os.Getenv(loadEnv); spec != "" { // tori bench -apart's second process
		do = func() error { return runBenchLoad(ctx, spec, os.Stdin, os.Stdout) }
	}
	if err := do(); err != nil {
		fmt.Fprintln(os.Stderr, "tori:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// inContainer reports TORI_IN_CONTAINER, which tori's image sets.
func inContainer(getenv func(string) string) bool {
	v := strings.TrimSpace(getenv("TORI_IN_CONTAINER"))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// env reads a variable with a default.
func env(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// logLevel is LOG_LEVEL's level (info by default).
func logLevel(getenv func(string) string) slog.Level {
	switch strings.ToLower(getenv("LOG_LEVEL")) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevel(getenv)}
	if strings.EqualFold(getenv("LOG_FORMAT"), "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// run is the whole program; tests drive it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if handled, err := runInfo(ctx, args, getenv, stderr); handled {
		return err
	}
	log := newLogger(stderr, getenv)
	storage.LogClientTo(log)
	// The local preview: asked for, or no token to go live with (except in
	// a container, where an empty token is a mistake to say, not a cue).
	// Its log is read by a person at a terminal: text, unless LOG_FORMAT
	// says otherwise.
	if preview, noToken := len(args) > 0 && args[0] == "preview", len(args) == 0 && strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN")) == ""; preview || noToken {
		if noToken && inContainer(getenv) {
			return errors.New("TELEGRAM_BOT_TOKEN is empty: set it in .env to the token @BotFather gave you; in a container tori runs the live bot only (try the local preview on your own machine: go run ./cmd/tori preview)")
		}
		if getenv("LOG_FORMAT") == "" {
			log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv)}))
		}
		var flags []string
		if preview {
			flags = args[1:]
		}
		return runPreview(ctx, flags, getenv, log, noToken)
	}
	cfgPath := env(getenv, "TORI_CONFIG", "tori.yaml")
	practice, err := loadPractice(cfgPath)
	if err != nil {
		return err
	}
	runBot, runWorker := true, true
	webhook := strings.EqualFold(getenv("TELEGRAM_WEBHOOK"), "true") || getenv("TELEGRAM_WEBHOOK") == "1"
	var rest []string
	for _, a := range args {
		if a == "--webhook" || a == "-webhook" {
			webhook = true
		} else {
			rest = append(rest, a)
		}
	}
	args = rest
	if len(args) > 0 {
		switch args[0] {
		case "check":
			fmt.Fprintf(stderr, "%s is valid: %s, %d therapist(s), %d service(s), time zone %s\n",
				cfgPath, practice.Name, len(practice.Therapists), len(practice.Services), practice.Location)
			for _, p := range placeholders(practice) {
				fmt.Fprintln(stderr, "warning:", p)
			}
			return nil
		case "bot":
			runWorker = false
		case "worker":
			runBot = false
		case "rekey":
			return runRekey(ctx, getenv, stderr)
		default:
			return usageError{fmt.Sprintf("unknown command %q", args[0])}
		}
	}
	token, err := readToken(getenv)
	if err != nil {
		return err
	}
	for _, p := range placeholders(practice) {
		log.Warn(p)
	}
	redisURL := redisURLOf(getenv)
	public := strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/")
	secret := strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET"))
	maxConn := 40
	if webhook && runBot {
		if err := checkWebhook(public, secret); err != nil {
			return err
		}
		if v := strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_MAX_CONNECTIONS")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return fmt.Errorf("TELEGRAM_WEBHOOK_MAX_CONNECTIONS %q: use 1 to 100 (Telegram's range; 40 is its default)", v)
			}
			maxConn = n
		}
	}
	keys, err := dataKeys(getenv)
	if err != nil {
		return err
	}
	rdb, err := storage.Connect(ctx, redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	store := storage.New(rdb, env(getenv, "REDIS_PREFIX", "tori:"))
	store.Keys = keys
	moved, err := checkDataKeys(ctx, store)
	if err != nil {
		return err
	}
	if moved != "" {
		log.Info("notes are now written under this key, which replaces the one before for every process that starts from now on; once every process runs with it, run tori rekey",
			"key_id", keys.ID(), "replaced", moved)
	}
	sayDataKeys(log, keys)
	bookings := &tori.Bookings{Practice: practice, Store: store, Log: log, Events: metrics.Sink{}}
	paypal, err := connectPayPal(practice, getenv, log)
	if err != nil {
		return err
	}
	if paypal != nil {
		bookings.Payments = paypal
	}
	b, err := bot.New(bot.Config{Practice: practice, Bookings: bookings, Store: store, PublicURL: public, Log: log})
	if err != nil {
		return err
	}
	rate := 25.0
	if v := strings.TrimSpace(getenv("TELEGRAM_RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || r > 30 {
			return fmt.Errorf("TELEGRAM_RATE %q: use messages per second for this process, more than 0 and at most 30 (Telegram's limit for a bot is about 30)", v)
		}
		rate = r
	}
	tg, err := connectTelegram(ctx, log, b, bot.TelegramOptions{Token: token, APIURL: getenv("TELEGRAM_API_URL"), Limiter: &bot.Limiter{Rate: rate}})
	if err != nil {
		return err
	}
	if runBot {
		if err := tg.RegisterCommands(ctx); err != nil {
			log.Warn("could not register the command menu; the bot works without it", "err", err)
		}
	}

	addr := env(getenv, "HTTP_ADDR", ":8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w (set HTTP_ADDR to a free address, e.g. :8081)", addr, err)
	}
	mln, err := listenMetrics(getenv, log)
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	var tgReady func(context.Context) error
	if runBot {
		tgReady = tg.Ready
	}
	mux.Handle("/", routes(store, tgReady))
	metrics.WatchQueues(store, practice)
	if webhook && runBot {
		mux.Handle("POST "+bot.WebhookPath, tg.WebhookHandler(secret))
	}
	if paypal != nil && runBot {
		mux.Handle("/paypal/", b.PaymentPages(tg, paypal))
	}
	mux.Handle("/calendar/", b.FeedHandler())
	var wg sync.WaitGroup
	srv := newServer(mux, publicTimeouts)
	serve(&wg, log, "http", srv, ln)
	var msrv *http.Server
	metricsAt := metricsOff
	if mln != nil {
		msrv, metricsAt = newServer(metricsRoutes(), metricsTimeouts), mln.Addr().String()
		serve(&wg, log, "metrics", msrv, mln)
	}
	switch {
	case runBot && webhook:
		if err := tg.SetWebhook(ctx, public+bot.WebhookPath, secret, maxConn); err != nil {
			shutdown(time.Second, srv, msrv)
			return fmt.Errorf("Telegram refused the webhook %s%s (%w): PUBLIC_URL must be an https address Telegram can reach", public, bot.WebhookPath, err)
		}
	case runBot:
		v := getenv("TELEGRAM_WEBHOOK")
		if err := tg.PrepareToPoll(ctx, strings.EqualFold(v, "false") || v == "0"); err != nil {
			shutdown(time.Second, srv, msrv)
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); tg.Run(ctx) }()
	}
	if runWorker {
		w := scheduler.New(scheduler.Config{Practice: practice, Bookings: bookings, Store: store,
			Notify: &bot.Notifier{Bot: b, Send: tg.Send}, Log: log})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				log.Error("worker", "err", err)
			}
		}()
	}
	log.Info("tori is running", "practice", practice.Name, "bot", "@"+tg.Username(), "polling", runBot && !webhook, "webhook", runBot && webhook, "worker", runWorker,
		"http", ln.Addr().String(), "metrics", metricsAt, "therapists", len(practice.Therapists), "services", len(practice.Services), "time_zone", practice.Location.String())

	<-ctx.Done()
	log.Info("shutting down: finishing updates in hand")
	// Longer than an update may take (25 s), so a webhook update in hand
	// is finished before its answer.
	shutdown(30*time.Second, srv, msrv)
	wg.Wait()
	log.Info("stopped")
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

// routes serves /healthz (the process is up) and /readyz (Redis answers,
// and for the bot, Telegram).
func routes(store *storage.Store, tgReady func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			http.Error(w, "redis: not reachable", http.StatusServiceUnavailable)
			return
		}
		if tgReady != nil {
			if err := tgReady(ctx); err != nil {
				http.Error(w, "telegram: not reachable", http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}
