package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
	"github.com/tori-bot/tori/web"
)

const wait = 10 * time.Second

// site is the public listener's routes over HTTP as tori serves them, over
// a real Redis, taking payments through the real plutov/paypal client from
// the PayPal stand-in, and sending what a payment tells the chat through
// the real go-telegram/bot client to the fake Bot API. Its clock stands at
// 10:00 on Monday 30 November 2026.
type site struct {
	t        *testing.T
	url      string
	fake     *telegramtest.Server
	store    *storage.Store
	bookings *tori.Bookings
	p        *tori.Practice
}

func startSite(t *testing.T) *site {
	t.Helper()
	st := storagetest.MustStore(t)
	p := testpractice.New()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location)
	clock := func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The stand-ins, and the server the pages will be served at.
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	pp := paypaltest.New()
	t.Cleanup(pp.Close)
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)

	paypal, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: pp.URL,
		WebhookID: paypaltest.WebhookID, ReturnURL: srv.URL + "/paypal/return", CancelURL: srv.URL + "/paypal/cancel", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bookings := &tori.Bookings{Practice: p, Store: st, Payments: paypal, Now: clock}
	b, err := bot.New(bot.Config{Practice: p, Bookings: bookings, Store: st, Now: clock, Log: log, PublicURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := telegram.Connect(context.Background(), telegram.Config{Bot: b, Store: st, Now: clock, Log: log,
		Token: telegramtest.Token, APIURL: fake.URL, Limiter: &telegram.Limiter{Rate: 10000, PerChat: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close(context.Background()) })

	pages := web.New(web.Config{Bot: b, Bookings: bookings, Store: st, Send: tg, Hooks: paypal, Now: clock, Log: log})
	srv.Config.Handler = pages.Public(web.Ready{Redis: st.Ping}, true)
	for _, th := range p.Therapists {
		for _, id := range th.TelegramIDs {
			fake.Open(id)
		}
	}
	return &site{t: t, url: srv.URL, fake: fake, store: st, bookings: bookings, p: p}
}

// hold holds svc with Adi at start for c.
func (s *site) hold(c tori.Client, svc string, start time.Time) tori.Appointment {
	s.t.Helper()
	h, err := s.bookings.Hold(context.Background(), c, svc, "adi", start, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	return h
}

// holdToPay holds the prepaid svc for c and starts its payment, as
// pressing "Confirm and pay" does: the hold carries the buyer's approve URL.
func (s *site) holdToPay(c tori.Client, svc string, start time.Time) tori.Appointment {
	s.t.Helper()
	h, err := s.bookings.StartPayment(context.Background(), c, s.hold(c, svc, start).ID, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	return h
}

// book books svc (paid at the session) for c.
func (s *site) book(c tori.Client, svc string, start time.Time) tori.Appointment {
	s.t.Helper()
	a, err := s.bookings.Confirm(context.Background(), c, s.hold(c, svc, start).ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// get is the buyer's browser: it follows redirects and returns the page.
func (s *site) get(u string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitChat waits until a message in the chat contains every part.
func (s *site) waitChat(chat int64, parts ...string) {
	s.t.Helper()
	_, err := s.fake.Wait(chat, wait, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if containsAll(m.Text, parts) {
				return true
			}
		}
		return false
	})
	if err != nil {
		s.t.Fatalf("chat %d waiting for %q: %v", chat, parts, err)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
