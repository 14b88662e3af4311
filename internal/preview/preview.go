// Package preview runs a practice's bot on this machine with nothing
// leaving it: the real bot, worker, storage and payments code, driven from
// a chat page in the browser. Telegram is played by telegramtest (the
// Bot API over HTTP, spoken to by the real go-telegram/bot client), PayPal
// by paypaltest (the REST API, spoken to by the real plutov/paypal client)
// with a checkout page of its own, and Redis is the one at REDIS_URL when
// it answers, else an embedded in-memory one. A clock the page moves
// forward drives the worker, so reminders, hold expiry, waitlist offers
// and the agenda can be seen without waiting.
//
// Nothing here changes what bot/, scheduler/, payments/ or storage/ do:
// the preview only wires them to stand-ins, as the tests do.
package preview

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/scheduler"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
	"github.com/tori-bot/tori/web"
)

// Config is what the preview needs.
type Config struct {
	Practice *tori.Practice
	// RedisURL is tried first (with a prefix of the preview's own, deleted
	// when it stops); "" or no answer: an embedded in-memory Redis.
	RedisURL string
	// BaseURL is where the browser reaches the preview, e.g.
	// http://localhost:8080: the PayPal stand-in sends the buyer back there.
	BaseURL string
	// Listen is the listener's address, if known: on loopback or every
	// interface, the preview also answers to localhost, 127.0.0.1 and
	// [::1] with its port. It answers to no other Host than these and
	// BaseURL's.
	Listen net.Addr
	Log    *slog.Logger
	// Standing are clients with a standing series already booked when the
	// preview opens (the example practice's, tori.ExampleStanding).
	Standing []tori.Standing
}

// Preview is a running preview. Its Handler serves the page, its API, the
// PayPal stand-in and tori's own /paypal/ and /calendar/ pages.
type Preview struct {
	practice *tori.Practice
	clock    *Clock
	tg       *telegramtest.Server
	pp       *paypaltest.Server
	worker   *scheduler.Worker
	bot      *bot.Bot
	pages    http.Handler // tori's /paypal/ pages and webhook
	feed     http.Handler // tori's /calendar/ feeds
	handler  http.Handler
	log      *slog.Logger
	redis    string          // what the page says of Redis
	base     string          // where the browser reaches the preview
	hosts    map[string]bool // the Host headers it answers to

	mu      sync.Mutex
	people  map[int64]*person
	clients []int64 // the client personas, in the selector's order
	staff   []int64 // the practice's people: therapists, then admins
	said    map[int64][]said

	stop    func()
	once    sync.Once
	clockMu sync.Mutex    // one clock move at a time
	done    chan struct{} // closed by Close

	// Webhooks the PayPal stand-in is delivering, drained at Close.
	hookMu  sync.Mutex
	closing bool
	hooks   sync.WaitGroup
}

// person is someone the page can be: a client or one of the practice.
type person struct {
	User telegramtest.User
	Role string // "client" or "practice"
}

// said is a text a person sent, shown in their chat after the bot's
// message After (0: before any).
type said struct {
	After int
	Text  string
}

// Start builds and starts the preview; Close stops it.
func Start(ctx context.Context, cfg Config) (*Preview, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}

	base, u, err := baseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := payments.CheckPractice(cfg.Practice); err != nil {
		return nil, errors.New(tori.ErrorMessage(err))
	}

	p := &Preview{practice: cfg.Practice, clock: &Clock{}, log: cfg.Log, people: map[int64]*person{}, said: map[int64][]said{},
		done: make(chan struct{}), base: base, hosts: allowedHosts(u, cfg.Listen)}

	// What started is stopped in reverse order; fail does so and returns err.
	var closers []func()
	p.stop = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*Preview, error) { p.stop(); return nil, err }

	// A sample calendar of the therapist's own, unless the practice has one.
	pr, stopCalendar := p.withSampleCalendar(cfg.Practice)
	cfg.Practice, p.practice = pr, pr
	closers = append(closers, stopCalendar)

	// Redis, and the stand-ins for Telegram and PayPal.
	rdb, prefix, where, closeRedis, err := openRedis(ctx, cfg.RedisURL, cfg.Log)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, closeRedis)
	p.redis = where
	closers = append(closers, p.startStandIns()...)

	// tori itself: the bot, on the Telegram stand-in, and the worker.
	stopTori, err := p.startTori(ctx, cfg, storage.New(rdb, prefix))
	if err != nil {
		return fail(err)
	}
	closers = append(closers, stopTori)

	p.handler = p.guardHost(p.routes())
	return p, nil
}

// baseURL checks the address the browser reaches the preview at.
func baseURL(raw string) (string, *url.URL, error) {
	base := strings.TrimRight(raw, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", nil, fmt.Errorf("preview: the base URL %q is not an http(s) address: give the one the browser uses, e.g. http://localhost:8080", raw)
	}
	return base, u, nil
}

// startStandIns starts the Telegram and PayPal stand-ins and opens the
// practice's chats; it returns what stops them, in the order started.
func (p *Preview) startStandIns() []func() {
	p.tg = telegramtest.NewUnstarted()
	readyStandIn(p.tg.Server, "Telegram")
	p.tg.Start()
	p.cast() // before the bot and the worker start: the practice's chats are open

	p.pp = paypaltest.NewUnstarted()
	readyStandIn(p.pp.Server, "PayPal")
	p.pp.Start()
	p.pp.BuyerURL = p.base + checkoutPath

	return []func(){p.tg.Close, p.pp.Close,
		// Before the stand-in closes (and Redis, and Telegram): no webhook
		// starts, and those being delivered finish.
		func() {
			p.hookMu.Lock()
			p.closing = true
			p.hookMu.Unlock()
			p.hooks.Wait()
		},
	}
}

// startTori starts the bot, polling the Telegram stand-in and paying at
// the PayPal one, and the worker, all on the preview's clock; stop ends
// them. On an error, what it started is stopped.
func (p *Preview) startTori(ctx context.Context, cfg Config, store *storage.Store) (stop func(), err error) {
	base := p.base
	paypal, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: p.pp.URL,
		WebhookID: paypaltest.WebhookID, ReturnURL: base + "/paypal/return", CancelURL: base + "/paypal/cancel", Log: cfg.Log})
	if err != nil {
		return nil, err
	}

	bookings := &tori.Bookings{Practice: cfg.Practice, Store: store, Payments: paypal, Log: cfg.Log, Now: p.clock.Now}
	if err := p.seed(ctx, bookings, cfg.Standing); err != nil {
		return nil, err
	}
	p.bot, err = bot.New(bot.Config{Practice: cfg.Practice, Bookings: bookings, Store: store, PublicURL: base, Now: p.clock.Now, Log: cfg.Log})
	if err != nil {
		return nil, err
	}

	// Telegram.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	tg, err := telegram.Connect(rctx, telegram.Config{Bot: p.bot, Store: store, Now: p.clock.Now, Log: cfg.Log,
		Token: telegramtest.Token, APIURL: p.tg.URL, PollTimeout: 5 * time.Second, Limiter: &telegram.Limiter{}})
	if err == nil {
		err = tg.RegisterCommands(ctx)
	}
	if err != nil {
		cancel()
		return nil, err
	}

	// PayPal tells tori of approvals, captures and refunds by webhook, as
	// it does live: signed, verified by tori against the stand-in, and sent
	// again (up to four times here) when tori does not answer 200.
	pages := web.New(web.Config{Bot: p.bot, Bookings: bookings, Store: store, Send: tg, Hooks: paypal, Now: p.clock.Now, Log: cfg.Log})
	p.pages, p.feed = pages.Payments(), pages.Feed()

	p.pp.OnEvent = func(eventType string, resource map[string]any) {
		p.hookMu.Lock()
		if p.closing {
			p.hookMu.Unlock()
			return
		}
		p.hooks.Add(1)
		p.hookMu.Unlock()
		defer p.hooks.Done()
		p.deliver(base+"/paypal/webhook", eventType, resource)
	}

	if err := tg.PrepareToPoll(ctx, false); err != nil {
		cancel()
		return nil, err
	}

	// Polling and the worker run until stop.
	p.worker = scheduler.New(scheduler.Config{Practice: cfg.Practice, Bookings: bookings, Store: store,
		Notify: &bot.Notifier{Bot: p.bot, Send: tg.Send}, Now: p.clock.Now, Log: cfg.Log,
		Calendars: busy.Reader(&busy.Fetcher{}, cfg.Practice.Location)})

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); tg.Run(rctx) }()
	go func() {
		defer wg.Done()
		if err := p.worker.Run(rctx); err != nil {
			p.log.Error("preview worker", "err", err)
		}
	}()

	return func() { cancel(); wg.Wait() }, nil
}

// Close stops the bot and the worker, and the stand-ins; the preview's
// Redis keys are deleted (or the embedded Redis goes). Calls after the
// first do nothing.
func (p *Preview) Close() {
	p.once.Do(func() {
		close(p.done)
		p.stop()
	})
}

// deliver hands a signed webhook to tori's handler, as PayPal posts it,
// and again after 1, 2 and 4 seconds while tori answers otherwise than
// 200 (PayPal retries for days); not after Close.
func (p *Preview) deliver(target, eventType string, resource map[string]any) {
	eventID := ""
	for attempt, wait := 1, time.Second; ; attempt, wait = attempt+1, wait*2 {
		var req *http.Request
		if eventID == "" {
			req, eventID = p.pp.Webhook(target, eventType, resource, false)
		} else {
			req = p.pp.WebhookWithID(target, eventID, eventType, resource, false)
		}

		rec := httptest.NewRecorder()
		p.pages.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		if attempt == 4 {
			p.log.Warn("preview: tori did not take a PayPal webhook four times; PayPal would go on trying for days", "event", eventType, "status", rec.Code)
			return
		}

		// Wait before the next attempt, unless the preview is closing.
		select {
		case <-time.After(wait):
		case <-p.done:
			return
		}
	}
}

// Handler serves the preview.
func (p *Preview) Handler() http.Handler { return p.handler }

// PayPal is the PayPal stand-in (tests read its orders and refunds).
func (p *Preview) PayPal() *paypaltest.Server { return p.pp }

// Telegram is the Bot API stand-in.
func (p *Preview) Telegram() *telegramtest.Server { return p.tg }

// Redis says which Redis the preview uses.
func (p *Preview) Redis() string { return p.redis }

// openRedis connects to url, or starts an embedded Redis when url is ""
// or does not answer. It returns the client, the key prefix, a sentence
// for the page and what to do at the end.
func openRedis(ctx context.Context, redisURL string, log *slog.Logger) (redis.UniversalClient, string, string, func(), error) {
	if redisURL != "" && answers(redisURL) {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		rdb, err := storage.Connect(cctx, redisURL)
		cancel()
		if err != nil {
			log.Warn("preview: something answers at REDIS_URL but the Redis client could not use it; the preview uses an embedded Redis instead", "err", err)
		} else {
			prefix := "tori-preview:" + tori.RandomToken(8) + ":"
			return rdb, prefix, "Redis at REDIS_URL, under keys of the preview's own, deleted when it stops: nothing persists",
				func() { storage.DeletePrefix(rdb, prefix); rdb.Close() }, nil
		}
	}

	// None usable at REDIS_URL: an embedded one.
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, "", "", nil, fmt.Errorf("preview: the embedded Redis did not start: %w", err)
	}
	rdb, err := storage.Connect(ctx, "redis://"+m.Addr()+"/0")
	if err != nil {
		m.Close()
		return nil, "", "", nil, err
	}

	// The embedded Redis lets time pass only when told to: keys with a
	// time to live (claims, markers) expire as on a real one.
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.FastForward(time.Second)
			case <-done:
				return
			}
		}
	}()

	return rdb, "tori:", "an embedded in-memory Redis (none usable at REDIS_URL): nothing persists",
		func() { close(done); rdb.Close(); m.Close() }, nil
}

// answers reports whether something listens at a redis:// URL's address
// (other URLs are tried as they are): a quick look, without the client's
// retries and their log lines when nothing does.
func answers(rawURL string) bool {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return !strings.HasPrefix(rawURL, "redis://") && !strings.HasPrefix(rawURL, "rediss://")
	}

	c, err := net.DialTimeout("tcp", o.Addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
