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
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines (and images) without tzdata

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/internal/fault"
	"github.com/tori-bot/tori/metrics"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/scheduler"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/web"
)

// Compile-time checks that the adapters satisfy what their users declare.
var (
	_ tori.Store          = (*storage.Store)(nil)
	_ bot.Store           = (*storage.Store)(nil)
	_ tori.PaymentGateway = (*payments.PayPal)(nil)
	_ web.WebhookParser   = (*payments.PayPal)(nil)
	_ web.Deliverer       = (*telegram.Telegram)(nil)
	_ telegram.Store      = (*storage.Store)(nil)
	_ web.Store           = (*storage.Store)(nil)
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

	// What runs: tori, tori bench, or tori bench -apart's second process.
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

// newLogger is tori's log: JSON (text with LOG_FORMAT=text) at LOG_LEVEL,
// a person's Telegram id written as a pseudonym.
func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevel(getenv), ReplaceAttr: pseudonymous(getenv)}
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

	// The local preview: asked for, or no token to go live with.
	if preview, noToken := len(args) > 0 && args[0] == "preview", len(args) == 0 && strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN")) == ""; preview || noToken {
		return startPreview(ctx, args, getenv, stderr, noToken)
	}

	c, err := readRunConfig(args, getenv)
	if err != nil {
		return err
	}
	switch c.command {
	case "check":
		return c.check(stderr)
	case "rekey":
		return runRekey(ctx, getenv, stderr)
	}
	return serveTori(ctx, c, log)
}

// startPreview runs the local preview. Without a token in a container,
// it refuses: there an empty token is a mistake to say, not a cue. Its
// log is read by a person at a terminal: text, unless LOG_FORMAT says
// otherwise.
func startPreview(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, noToken bool) error {
	if noToken && inContainer(getenv) {
		return errors.New("TELEGRAM_BOT_TOKEN is empty: set it in .env to the token @BotFather gave you; in a container tori runs the live bot only (try the local preview on your own machine: go run ./cmd/tori preview)")
	}

	log := newLogger(stderr, getenv)
	if getenv("LOG_FORMAT") == "" {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv), ReplaceAttr: pseudonymous(getenv)}))
	}

	var flags []string
	if !noToken {
		flags = args[1:]
	}
	return runPreview(ctx, flags, getenv, log, noToken)
}

// parts are the pieces serveTori wires together.
type parts struct {
	store    *storage.Store
	bookings *tori.Bookings
	paypal   *payments.PayPal // nil: no money online
	bot      *bot.Bot
	tg       *telegram.Telegram
}

// serveTori runs the bot, the worker or both until ctx ends: the second
// half of run (wtf's Run), once the configuration is read.
func serveTori(ctx context.Context, c runConfig, log *slog.Logger) error {
	for _, p := range placeholders(c.practice) {
		log.Warn(p)
	}

	// Redis, then the use cases, PayPal, the conversation and Telegram.
	rdb, err := storage.Connect(ctx, c.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	x, err := connectParts(ctx, c, rdb, log)
	if err != nil {
		return err
	}

	// The listeners: the public one, and the metrics one apart.
	ln, err := net.Listen("tcp", c.httpAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w (set HTTP_ADDR to a free address, e.g. :8081)", c.httpAddr, err)
	}
	mln, err := listenMetrics(c.metricsAddr, log)
	if err != nil {
		ln.Close()
		return err
	}

	metrics.WatchQueues(x.store, c.practice)
	var wg sync.WaitGroup
	srv := newServer(publicRoutes(c, x, log), publicTimeouts)
	serve(&wg, log, "http", srv, ln)
	var msrv *http.Server
	metricsAt := metricsOff
	if mln != nil {
		msrv, metricsAt = newServer(metricsRoutes(), metricsTimeouts), mln.Addr().String()
		serve(&wg, log, "metrics", msrv, mln)
	}

	// Telegram's updates, and the worker.
	if err := takeUpdates(ctx, c, x.tg, &wg); err != nil {
		shutdown(time.Second, srv, msrv)
		return err
	}
	if c.runWorker {
		w := scheduler.New(scheduler.Config{Practice: c.practice, Bookings: x.bookings, Store: x.store,
			Notify: &bot.Notifier{Bot: x.bot, Send: x.tg.Send}, Log: log,
			Calendars: busy.Reader(&busy.Fetcher{Passwords: c.calDAV}, c.practice.Location)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				log.Error("worker", "err", err)
			}
		}()
	}
	log.Info("tori is running", "practice", c.practice.Name, "bot", "@"+x.tg.Username(), "polling", c.polls(), "webhook", c.takesWebhook(), "worker", c.runWorker,
		"http", ln.Addr().String(), "metrics", metricsAt, "therapists", len(c.practice.Therapists), "services", len(c.practice.Services), "time_zone", c.practice.Location.String())

	<-ctx.Done()
	log.Info("shutting down: finishing updates in hand")
	// Longer than an update may take (25 s), so a webhook update in hand
	// is finished before its answer.
	shutdown(30*time.Second, srv, msrv)
	wg.Wait()

	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	x.tg.Close(cctx) // notices still waiting for a chat's turn go now, or to the worker's queue
	log.Info("stopped")
	return nil
}

// connectParts builds the store over rdb (its notes' data key checked
// against the data), the use cases, the PayPal client, the bot, and its
// connection to Telegram.
func connectParts(ctx context.Context, c runConfig, rdb redis.UniversalClient, log *slog.Logger) (parts, error) {
	var x parts
	x.store = storage.New(rdb, c.prefix)
	x.store.Keys = c.keys
	moved, err := checkDataKeys(ctx, x.store)
	if err != nil {
		return x, err
	}
	if moved != "" {
		log.Info("notes are now written under this key, which replaces the one before for every process that starts from now on; once every process runs with it, run tori rekey",
			"key_id", c.keys.ID(), "replaced", moved)
	}
	sayDataKeys(log, c.keys)

	x.bookings = &tori.Bookings{Practice: c.practice, Store: x.store, Log: log, Events: metrics.Sink{}, Fault: fault.Point}
	if x.paypal, err = connectPayPal(c.paypal, log); err != nil {
		return x, err
	}
	if x.paypal != nil {
		x.bookings.Payments = x.paypal
	}

	if x.bot, err = bot.New(bot.Config{Practice: c.practice, Bookings: x.bookings, Store: x.store, PublicURL: c.public, Log: log}); err != nil {
		return x, err
	}
	if x.tg, err = connectTelegram(ctx, log, telegram.Config{Bot: x.bot, Store: x.store, Log: log,
		Token: c.token, APIURL: c.apiURL, Limiter: &telegram.Limiter{Rate: c.rate}}); err != nil {
		return x, err
	}

	if c.runBot {
		if err := atStart(ctx, c.apiURL, "setting the command menus", x.tg.RegisterCommands); err != nil {
			log.Warn("could not register the command menu; the bot works without it", "err", err)
		}
	}
	return x, nil
}

// publicRoutes is the public listener's mux: health and readiness, the
// calendar feed, and for the bot PayPal's return pages (package web) and
// Telegram's webhook.
func publicRoutes(c runConfig, x parts, log *slog.Logger) http.Handler {
	ready := web.Ready{Redis: x.store.Ping}
	if c.runBot {
		ready.Telegram = x.tg.Ready
	}

	cfg := web.Config{Bot: x.bot, Bookings: x.bookings, Store: x.store, Send: x.tg, Log: log}
	if x.paypal != nil {
		cfg.Hooks = x.paypal
	}

	mux := web.New(cfg).Public(ready, x.paypal != nil && c.runBot)
	if c.takesWebhook() {
		mux.Handle("POST "+telegram.WebhookPath, x.tg.WebhookHandler(c.secret))
	}
	return mux
}

// takeUpdates sets Telegram's webhook, or starts long polling on a
// goroutine of wg's; the worker alone takes none.
func takeUpdates(ctx context.Context, c runConfig, tg *telegram.Telegram, wg *sync.WaitGroup) error {
	switch {
	case c.takesWebhook():
		return setWebhook(ctx, c, tg)
	case c.polls():
		err := atStart(ctx, c.apiURL, "asking whether a webhook is set", func(ctx context.Context) error {
			return tg.PrepareToPoll(ctx, c.noWebhook)
		})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); tg.Run(ctx) }()
	}
	return nil
}

// setWebhook registers PUBLIC_URL's webhook with Telegram.
func setWebhook(ctx context.Context, c runConfig, tg *telegram.Telegram) error {
	hook := c.public + telegram.WebhookPath
	err := atStart(ctx, c.apiURL, "setting the webhook", func(ctx context.Context) error {
		return tg.SetWebhook(ctx, hook, c.secret, c.maxConn)
	})
	switch {
	case errors.Is(err, errTelegramSilent):
		return err
	case err != nil:
		return fmt.Errorf("Telegram refused the webhook %s (%w): PUBLIC_URL must be an https address Telegram can reach", hook, err)
	}
	return nil
}
