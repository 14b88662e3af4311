package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/bidi"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// testPractice is the shared test practice (internal/testpractice), with
// Adi writing in English: these tests read what the therapist is told.
func testPractice() *tori.Practice {
	p := testpractice.New()
	p.Therapists[0].Lang = "en"
	return testpractice.Valid(p)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *clock) At(d tori.Date, hm string) time.Time {
	m, _ := tori.ParseMinute(hm)
	return d.At(m, c.t.Location())
}

// outbox records what the notifier sent, per chat. A notice queued for
// the worker before it was handed over (bot.Reply.Queued) is taken out of
// the queue once sent, as telegram.Telegram does.
type outbox struct {
	mu    sync.Mutex
	sent  map[int64][]bot.Reply
	fail  func(r bot.Reply) error
	store *storage.Store
}

func (o *outbox) Send(ctx context.Context, r bot.Reply) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		if err := o.fail(r); err != nil {
			return err
		}
	}
	if o.sent == nil {
		o.sent = map[int64][]bot.Reply{}
	}
	o.sent[r.ChatID] = append(o.sent[r.ChatID], r)
	if !r.Queued.IsZero() {
		return o.store.Dequeue(ctx, tori.QueueRelay, "", r.Retry)
	}
	return nil
}

// to returns what chat was sent, its texts as a person reads them: without
// the invisible word joiners that keep a time range on one line.
func (o *outbox) to(chat int64) []bot.Reply {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append([]bot.Reply(nil), o.sent[chat]...)
	for i := range out {
		out[i].Text = strings.ReplaceAll(out[i].Text, bidi.WJ, "")
	}
	return out
}

func (o *outbox) total() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, rs := range o.sent {
		n += len(rs)
	}
	return n
}

// env is a worker over a real Redis, the real bot's texts, and a fake
// PayPal, with a clock at Monday 30 November 2026, 10:00 in Jerusalem.
type env struct {
	t        testing.TB
	p        *tori.Practice
	clock    *clock
	store    *storage.Store
	bookings *tori.Bookings
	bot      *bot.Bot
	out      *outbox
	pp       *paypaltest.Server
	worker   *Worker
}

var mon = tori.Date{Year: 2026, Month: 11, Day: 30}

func newEnv(t testing.TB, p *tori.Practice) *env {
	t.Helper()
	return newEnvOn(t, p, storagetest.MustStore(t))
}

// newEnvOn is newEnv over the given store.
func newEnvOn(t testing.TB, p *tori.Practice, st *storage.Store) *env {
	t.Helper()
	if p == nil {
		p = testPractice()
	}
	clk := &clock{t: mon.At(10*60, p.Location)}
	pp := paypaltest.New()
	t.Cleanup(pp.Close)
	gateway, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: pp.URL,
		WebhookID: paypaltest.WebhookID, ReturnURL: "https://x/paypal/return", CancelURL: "https://x/paypal/cancel", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bk := &tori.Bookings{Practice: p, Store: st, Payments: gateway, Now: clk.Now}
	log := quietLog()
	b, err := bot.New(bot.Config{Practice: p, Bookings: bk, Store: st, Now: clk.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	out := &outbox{store: st}
	w := New(Config{Practice: p, Bookings: bk, Store: st, Notify: &bot.Notifier{Bot: b, Send: out.Send}, Now: clk.Now, Log: log})
	return &env{t: t, p: p, clock: clk, store: st, bookings: bk, bot: b, out: out, pp: pp, worker: w}
}

// quietLog is a logger that writes nowhere.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func client(id int64) tori.Client {
	return tori.Client{ID: id, ChatID: id, Name: fmt.Sprintf("Client %d", id), Lang: "en"}
}

// book confirms a pay-at-session booking of svc at start for c, now.
func (e *env) book(c tori.Client, svc string, start time.Time) tori.Appointment {
	e.t.Helper()
	ctx := context.Background()
	h, err := e.bookings.Hold(ctx, c, svc, "adi", start, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.bookings.Confirm(ctx, c, h.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) run(f func(context.Context) (int, error)) int {
	e.t.Helper()
	n, err := f(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func texts(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		b.WriteString("\n----\n")
	}
	return b.String()
}
