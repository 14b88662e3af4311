package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
	"github.com/tori-bot/tori/web"
)

// benchConfig is what tori bench's flags ask for.
type benchConfig struct {
	clients []int
	think   time.Duration
	arrive  time.Duration
	redis   string
	profile string
	seconds bool
	trace   string
	memprof string
	apart   bool // the load in a second process
	// limits: tori sends at Telegram's pace, and the fake Bot API refuses
	// more with 429, as Telegram does.
	limits bool
	// sameTherapist: every client books the one therapist, whose chat
	// gets every booking's notice.
	sameTherapist bool
	// payAtSession: Confirm books at once (no PayPal step).
	payAtSession bool
}

// parseBenchArgs reads tori bench's flags; REDIS_URL names the Redis.
func parseBenchArgs(args []string, getenv func(string) string) (benchConfig, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.String("clients", "10,100,1000", "how many clients book at once, one run for each number")
	think := fs.Duration("think", time.Second, "a client's pause between two taps (each pause is 50% to 150% of this)")
	arrive := fs.Duration("arrive", 2*time.Second, "the clients start at random moments within this time")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	memprof := fs.String("memprofile", "", "write an allocation profile of the runs to this file")
	traceTo := fs.String("trace", "", "write a Go execution trace of the runs to this file (go tool trace reads it)")
	apart := fs.Bool("apart", false, "run the simulated clients and the fake Telegram and PayPal servers in a second process (profiles are then tori's alone)")
	seconds := fs.Bool("by-second", false, "also print each second of a run: updates handled and their handling p50 / p99")
	limits := fs.Bool("telegram-limits", false, "send at Telegram's pace (25 a second overall; in a chat 3 at once, then one a second) to a fake Bot API that refuses more with 429")
	same := fs.Bool("same-therapist", false, "every client books the same therapist, whose chat gets every booking's notice")
	atSession := fs.Bool("pay-at-session", false, "the session is paid at the session: Confirm books it at once, with no PayPal step")

	if err := fs.Parse(args); err != nil {
		return benchConfig{}, fmt.Errorf("bench: %w; use tori bench [-clients 10,100,1000] [-think 1s] [-arrive 2s] [-telegram-limits] [-same-therapist] [-pay-at-session] [-cpuprofile file] [-memprofile file] [-trace file] [-by-second] [-apart]", err)
	}

	c := benchConfig{think: *think, arrive: *arrive, redis: env(getenv, "REDIS_URL", "redis://127.0.0.1:6379/0"), profile: *profile, seconds: *seconds, trace: *traceTo, memprof: *memprof, apart: *apart,
		limits: *limits, sameTherapist: *same, payAtSession: *atSession}
	for f := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100000 {
			return benchConfig{}, fmt.Errorf("bench: -clients %q: write numbers from 1 to 100000, separated by commas", *clients)
		}
		c.clients = append(c.clients, n)
	}

	if c.think < 0 || c.arrive < 0 {
		return benchConfig{}, errors.New("bench: -think and -arrive cannot be negative")
	}
	return c, nil
}

// benchResult is one run's figures.
type benchResult struct {
	clients, booked, updates int
	elapsed                  time.Duration
	handle, seen             []time.Duration // per update: handling, and until the client saw the answer
	at                       []time.Duration // per update: when its handling ended, from the run's start
	errors                   []string
	load                     loadResult
}

// runBench is tori bench: N simulated clients book and pay through the
// whole flow (the real bot, storage and payments code, the real
// go-telegram/bot and plutov/paypal clients, fake Telegram and PayPal
// servers, and the Redis at REDIS_URL under a key prefix of its own,
// deleted at the end), and the rates and latencies are printed.
func runBench(ctx context.Context, args []string, getenv func(string) string, out, logw io.Writer) error {
	cfg, err := parseBenchArgs(args, getenv)
	if err != nil {
		return err
	}
	// The profiles asked for: each file is started before the runs and
	// finished after them.
	for _, p := range []struct {
		flag, path string
		start      func(io.Writer) error
		stop       func(io.Writer)
	}{
		{"-cpuprofile", cfg.profile, pprof.StartCPUProfile, func(io.Writer) { pprof.StopCPUProfile() }},
		{"-memprofile", cfg.memprof, func(io.Writer) error { return nil }, func(w io.Writer) { _ = pprof.Lookup("allocs").WriteTo(w, 0) }},
		{"-trace", cfg.trace, trace.Start, func(io.Writer) { trace.Stop() }},
	} {
		if p.path == "" {
			continue
		}
		f, err := os.Create(p.path)
		if err != nil {
			return fmt.Errorf("bench: %s: %w; name a file in a directory that exists and can be written", p.flag, err)
		}
		defer f.Close()
		if err := p.start(f); err != nil {
			return err
		}
		defer p.stop(f)
	}

	// The header: what runs, where, at what pace.
	where := "in this process"
	if cfg.apart {
		where = "with the clients in a second process"
	}
	flow := "the full booking flow with PayPal"
	if cfg.payAtSession {
		flow = "the booking flow, paid at the session (no PayPal step)"
	}
	fmt.Fprintf(out, "tori bench: %s, fake Telegram and PayPal servers %s, Redis at %s\n", flow, where, redact(cfg.redis))
	limits := "Telegram's send limits off (this measures tori, not Telegram)"
	if cfg.limits {
		limits = "Telegram's send limits on (tori: 25 a second overall, in a chat 3 at once then one a second; the fake Bot API refuses more with 429)"
	}
	therapists := "one therapist per 25 clients"
	if cfg.sameTherapist {
		therapists = "every client books the same therapist"
	}
	fmt.Fprintf(out, "clients arrive within %s; a client's pause between taps: %s (±50%%); %s; %s\n\n", cfg.arrive, cfg.think, therapists, limits)

	fmt.Fprintf(out, "%8s %8s %10s %10s %10s | %-29s | %-29s\n", "clients", "booked", "bookings/s", "updates/s", "time",
		"handling p50 / p99 / p99.9", "client sees answer p50/p99/p99.9")
	for _, n := range cfg.clients {
		r, err := benchRun(ctx, cfg, n, logw)
		if err != nil {
			return err
		}

		q := func(d []time.Duration) string {
			return fmt.Sprintf("%7s %7s %7s", ms(pct(d, 50)), ms(pct(d, 99)), ms(pct(d, 99.9)))
		}
		fmt.Fprintf(out, "%8d %8d %10.1f %10.1f %9.1fs | %-29s | %-29s\n", r.clients, r.booked,
			float64(r.booked)/r.elapsed.Seconds(), float64(r.updates)/r.elapsed.Seconds(), r.elapsed.Seconds(), q(r.handle), q(r.seen))
		fmt.Fprintf(out, "%8s the booking's answer (\"You're booked.\"): p50 %s p99 %s; therapists' chats: %d notices in %d messages\n",
			"", ms(pct(r.load.BookedIn, 50)), ms(pct(r.load.BookedIn, 99)), r.load.Notices, r.load.NoticeMessages)
		fmt.Fprintf(out, "%8s Telegram took at most %d messages in one second; calls refused with 429: %d for a chat's pace, %d for the bot's\n",
			"", r.load.Busiest, r.load.RefusedChat, r.load.RefusedOverall)

		if cfg.seconds {
			printSeconds(out, r)
		}
		if len(r.errors) > 0 {
			fmt.Fprintf(out, "         %d client(s) did not finish; the first: %s\n", len(r.errors), r.errors[0])
		}
	}
	return nil
}

// printSeconds prints a run second by second: how many updates were
// handled in it, and their handling p50 and p99.
func printSeconds(out io.Writer, r *benchResult) {
	var by [][]time.Duration
	for i, at := range r.at {
		s := int(at / time.Second)
		for len(by) <= s {
			by = append(by, nil)
		}
		by[s] = append(by[s], r.handle[i])
	}

	for s, d := range by {
		fmt.Fprintf(out, "%17s %4d–%-4d s: %5d updates, handling p50 %s p99 %s\n", "", s, s+1, len(d), ms(pct(d, 50)), ms(pct(d, 99)))
	}
}

// redact hides the password of a Redis URL.
func redact(u string) string {
	if _, pw, ok := strings.Cut(u, ":"); ok && strings.Contains(pw, "@") {
		if at := strings.LastIndex(u, "@"); at > 0 {
			scheme, _, _ := strings.Cut(u, "://")
			return scheme + "://***@" + u[at+1:]
		}
	}
	return u
}

// ms writes d in milliseconds, with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// pct is the p-th percentile of d (nearest rank).
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// benchPractice has enough therapists that every client can find a time
// in the first weeks: one per 25 clients, two at least (or, -same-therapist,
// one), each working every day 09:00–17:00; a prepaid 50-minute session
// (and a 10-minute buffer) with any of them (-pay-at-session: paid at the
// session).
func benchPractice(clients int, cfg benchConfig) *tori.Practice {
	var hours tori.WeeklyHours
	for d := time.Sunday; d <= time.Saturday; d++ {
		hours[d] = []tori.Span{{Start: 9 * 60, End: 17 * 60}}
	}

	loc, _ := time.LoadLocation("Asia/Jerusalem")
	if loc == nil {
		loc = time.UTC
	}

	p := &tori.Practice{Name: "Bench Practice", Location: loc, Language: "en", Address: "1 Herzl St, Tel Aviv",
		Policy: tori.DefaultPolicy()}
	k := max(2, clients/25)
	if cfg.sameTherapist {
		k = 1
	}
	for i := range k {
		p.Therapists = append(p.Therapists, tori.Therapist{ID: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("Therapist %d", i),
			TelegramIDs: []int64{int64(900000 + i)}, Hours: hours})
	}

	p.Services = []tori.Service{{ID: "session", Names: map[string]string{"en": "Session"}, Duration: 50 * time.Minute,
		BufferAfter: 10 * time.Minute, Price: tori.Money{Amount: 35000, Currency: "ILS"}, Payment: tori.PayFull}}
	if cfg.payAtSession {
		p.Services[0].Payment = tori.PayNone
	}
	return p
}

// benchRun is one run of n clients, on a practice and a key prefix of its own.
func benchRun(ctx context.Context, cfg benchConfig, clients int, logw io.Writer) (*benchResult, error) {
	p := benchPractice(clients, cfg)
	if err := p.Validate(); err != nil {
		return nil, err
	}

	rdb, err := storage.Connect(ctx, cfg.redis)
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	prefix := "bench:" + tori.RandomToken(8) + ":"
	defer storage.DeletePrefix(rdb, prefix)
	st := storage.New(rdb, prefix)

	// The other side: the fake servers and the clients, here or in a
	// process of their own.
	var load loadSide
	if cfg.apart {
		logw = &lockedWriter{w: logw}
		load, err = startLoadProcess(ctx, cfg, clients, logw)
	} else {
		load = newBenchLoad(cfg, clients)
	}
	if err != nil {
		return nil, err
	}
	defer load.Close()
	telegramURL, paypalURL := load.URLs()

	// tori itself on a listener of this process: payments, the bot, the pages.
	log := slog.New(slog.NewJSONHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	public := "http://" + ln.Addr().String()
	paypal, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: paypalURL,
		WebhookID: paypaltest.WebhookID, ReturnURL: public + "/paypal/return", CancelURL: public + "/paypal/cancel", Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}

	bookings := &tori.Bookings{Practice: p, Store: st, Payments: paypal, Log: log}
	b, err := bot.New(bot.Config{Practice: p, Bookings: bookings, Store: st, Log: log, PublicURL: public})
	if err != nil {
		return nil, err
	}

	// Each update's handling is timed, from when the clients start.
	var mu sync.Mutex
	var begin time.Time // set when the clients start
	res := &benchResult{clients: clients}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limiter := &telegram.Limiter{Rate: 1e6, PerChat: time.Microsecond}
	if cfg.limits {
		limiter = &telegram.Limiter{} // Telegram's pace, as tori runs
	}
	tg, err := telegram.Connect(rctx, telegram.Config{Bot: b, Store: st, Log: log, Token: telegramtest.Token, APIURL: telegramURL, PollTimeout: 5 * time.Second,
		Limiter: limiter,
		OnUpdate: func(d time.Duration) {
			mu.Lock()
			res.handle, res.at = append(res.handle, d), append(res.at, time.Since(begin))
			mu.Unlock()
		}})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	pages := web.New(web.Config{Bot: b, Bookings: bookings, Store: st, Send: tg, Hooks: paypal, Log: log})
	mux.Handle("/paypal/", pages.Payments())
	srv := newServer(mux, publicTimeouts)
	go srv.Serve(ln)
	defer srv.Close()

	done := make(chan struct{})
	go func() { tg.Run(rctx); close(done) }()
	defer func() { cancel(); <-done }() // before the fake servers close

	mu.Lock()
	begin = time.Now()
	mu.Unlock()
	lr, err := load.Drive(rctx)
	res.elapsed = time.Since(begin)
	if err != nil {
		return nil, err
	}
	res.booked, res.updates, res.seen, res.errors, res.load = lr.Booked, lr.Updates, lr.Seen, lr.Errors, lr
	return res, nil
}
