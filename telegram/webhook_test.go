package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/logtest"
	"github.com/tori-bot/tori/metrics"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

const secret = "s3cret_Token-for-tests"

// replicas is n bot replicas (their own Bot and Telegram connection) on
// one Redis prefix, behind a round-robin load balancer that Telegram's
// webhook points at.
type replicas struct {
	*live
	handlers []http.Handler
	lb       *httptest.Server
}

func startReplicas(t *testing.T, n int) *replicas {
	l := startLive(t) // the first replica; its long poller is stopped below
	r := &replicas{live: l}
	r.handlers = append(r.handlers, l.tg.WebhookHandler(secret))
	for range n - 1 {
		st := l.bookings.Store.(replicaStore)
		log := slog.New(slog.NewTextHandler(logtest.To(t), nil))
		b, err := bot.New(bot.Config{Practice: l.p, Bookings: l.bookings, Store: st, Now: l.clock.Now, Log: log, PublicURL: l.web.URL})
		if err != nil {
			t.Fatal(err)
		}
		tg, err := telegram.Connect(context.Background(), telegram.Config{Bot: b, Store: st, Now: l.clock.Now, Log: log,
			Token: telegramtest.Token, APIURL: l.fake.URL, Limiter: &telegram.Limiter{Rate: 10000, PerChat: time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		r.handlers = append(r.handlers, tg.WebhookHandler(secret))
	}
	var next atomic.Int64
	r.lb = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.handlers[int(next.Add(1))%len(r.handlers)].ServeHTTP(w, req)
	}))
	t.Cleanup(r.lb.Close)
	return r
}

// post sends raw update JSON to handler h with the secret given, as
// Telegram would, and returns the status.
func post(h http.Handler, body []byte, sec string) int {
	req := httptest.NewRequest(http.MethodPost, telegram.WebhookPath, bytes.NewReader(body))
	if sec != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", sec)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

func textUpdate(id int64, from telegramtest.User, text string) []byte {
	raw, _ := json.Marshal(telegramtest.TextUpdate(from, text)(id))
	return raw
}

// TestWebhookAcrossReplicas: with the webhook set, Telegram's deliveries go
// through a load balancer to two replicas, and a whole booking works.
func TestWebhookAcrossReplicas(t *testing.T) {
	r := startReplicas(t, 2)
	ctx := context.Background()
	if err := r.tg.SetWebhook(ctx, r.lb.URL+telegram.WebhookPath, secret, 40); err != nil {
		t.Fatal(err)
	}
	if h := r.fake.Hook(); h.Secret != secret || h.MaxConnections != 40 || h.AllowedUpdates != `["message","callback_query"]` {
		t.Fatalf("webhook %+v", h)
	}
	dana := r.user(101, "Dana", "en")
	r.bookTalk(dana, "Thu 3/12", "10:00")
	r.waitChat(9001, "therapist told", lastHas("Dana"))
	for _, p := range r.fake.Posts() {
		if p.Status != http.StatusOK && p.Status != http.StatusServiceUnavailable {
			t.Fatalf("a delivery was answered %d", p.Status)
		}
	}
}

// TestWebhookSecret: a missing or wrong secret is 403 and nothing happens.
func TestWebhookSecret(t *testing.T) {
	r := startReplicas(t, 1)
	u := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	r.fake.Open(101)
	for _, sec := range []string{"", "wrong", secret + "x"} {
		if code := post(r.handlers[0], textUpdate(900001, u, "/start"), sec); code != http.StatusForbidden {
			t.Fatalf("secret %q: %d", sec, code)
		}
	}
	if code := post(r.handlers[0], []byte(`{"nonsense":true}`), secret); code != http.StatusBadRequest {
		t.Fatalf("not an update: %d", code)
	}
	if n := len(r.fake.Messages(101)); n != 0 {
		t.Fatalf("%d messages after refused calls", n)
	}
	if code := post(r.handlers[0], textUpdate(900001, u, "/start"), secret); code != http.StatusOK {
		t.Fatalf("good call: %d", code)
	}
	if n := len(r.fake.Messages(101)); n != 1 {
		t.Fatalf("%d messages after one update", n)
	}
}

// TestWebhookDuplicateOnTwoReplicas: the same update delivered to two
// replicas at once is handled once; the one that finds it in hand answers
// 503 until it is done, then 200.
func TestWebhookDuplicateOnTwoReplicas(t *testing.T) {
	r := startReplicas(t, 2)
	u := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	r.fake.Open(101)
	for i := range 20 {
		body := textUpdate(int64(800000+i), u, "/help")
		var wg sync.WaitGroup
		for _, h := range r.handlers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for attempt := 0; ; attempt++ { // Telegram delivers again until it gets a 2xx
					code := post(h, body, secret)
					if code == http.StatusOK {
						return
					}
					if code != http.StatusServiceUnavailable || attempt > 200 {
						t.Errorf("delivery answered %d", code)
						return
					}
					time.Sleep(5 * time.Millisecond) // Telegram's retry pause, shortened
				}
			}()
		}
		wg.Wait()
	}
	if n := len(r.fake.Messages(101)); n != 20 {
		t.Fatalf("%d answers to 20 updates each delivered to two replicas", n)
	}
}

// claimFails is a store whose update claims fail (Redis refusing writes
// for a moment), its other parts working.
type claimFails struct{ *storage.Store }

func (claimFails) Claim(context.Context, string, string, time.Duration) (bool, error) {
	return false, tori.Errorf(tori.EUNAVAILABLE, "injected: Redis refuses writes")
}

func (claimFails) ClaimUpdate(context.Context, string, time.Duration, int64, bool, int64) (bool, string, []byte, error) {
	return false, "", nil, tori.Errorf(tori.EUNAVAILABLE, "injected: Redis refuses writes")
}

// TestWebhookFailureIsRetried: an update that cannot be handled is
// answered 500, so Telegram delivers it again; after five failures it is
// logged and answered 200, so one bad update cannot block the chat. With
// Redis down altogether it is an outage: 503, not counted towards giving
// up (never acknowledged unhandled).
func TestWebhookFailureIsRetried(t *testing.T) {
	l := startLive(t)
	l.fake.Open(101)
	u := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	h := webhookOn(t, l, claimFails{storagetest.MustStore(t)})
	for i := 1; i <= 5; i++ {
		want := http.StatusInternalServerError
		if i == 5 {
			want = http.StatusOK
		}
		if code := post(h, textUpdate(700001, u, "/start"), secret); code != want {
			t.Fatalf("attempt %d: %d, want %d", i, code, want)
		}
	}
	if n := len(l.fake.Messages(101)); n != 0 {
		t.Fatalf("%d messages from an update that could not be handled", n)
	}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	h = webhookOn(t, l, storage.New(down, "test:down:"))
	for range 2 {
		if code := post(h, textUpdate(700002, u, "/start"), secret); code != http.StatusServiceUnavailable {
			t.Fatalf("with Redis down: %d", code)
		}
	}
}

// TestMetricsFollowABooking: a booking, its payment and its cancellation
// move the counters they should; Telegram calls and update timings are
// counted; /metrics serves them.
func TestMetricsFollowABooking(t *testing.T) {
	l := startLive(t)
	l.bookings.Events = metrics.Sink{}
	count := func(event, outcome string) float64 {
		return testutil.ToFloat64(metrics.Events.WithLabelValues(event, outcome))
	}
	before := map[string]float64{}
	keys := [][2]string{{"hold", "taken"}, {"booking", "confirmed"}, {"payment", "captured"}, {"booking", "cancelled_client"}, {"refund", "issued"}}
	for _, k := range keys {
		before[k[0]+"/"+k[1]] = count(k[0], k[1])
	}
	sends := testutil.ToFloat64(metrics.TelegramCalls.WithLabelValues("sendMessage", "ok"))
	captured := testutil.ToFloat64(metrics.Money.WithLabelValues("captured", "ILS"))
	dana := l.user(101, "Dana", "en")
	dana.say("/start intake").press("Thu 3/12").press("10:00").press("Confirm and pay")
	_, approve := dana.payButton()
	l.visit(approve)
	dana.sees("You're booked.")
	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	for _, k := range keys {
		if got := count(k[0], k[1]) - before[k[0]+"/"+k[1]]; got != 1 {
			t.Errorf("%s %s moved by %v, want 1", k[0], k[1], got)
		}
	}
	if got := testutil.ToFloat64(metrics.Money.WithLabelValues("captured", "ILS")) - captured; got != 350.50 {
		t.Errorf("captured moved by %v, want 350.50", got)
	}
	if testutil.ToFloat64(metrics.TelegramCalls.WithLabelValues("sendMessage", "ok")) <= sends {
		t.Error("sendMessage calls not counted")
	}
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{`tori_events_total{event="booking",outcome="confirmed"}`, `tori_update_seconds_count{result="ok"}`, `tori_telegram_calls_total{method="answerCallbackQuery",result="ok"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// replicaStore is what a replica's bot and adapter keep, in one store.
type replicaStore interface {
	bot.Store
	telegram.Store
}

// webhookOn is the webhook of a replica of l's bot on store st.
func webhookOn(t *testing.T, l *live, st replicaStore) http.Handler {
	log := slog.New(slog.NewTextHandler(logtest.To(t), nil))
	b, err := bot.New(bot.Config{Practice: l.p, Bookings: l.bookings, Store: st, Now: l.clock.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := telegram.Connect(context.Background(), telegram.Config{Bot: b, Store: st, Now: l.clock.Now, Log: log, Token: telegramtest.Token, APIURL: l.fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	return tg.WebhookHandler(secret)
}

// releaseFlaky is a store whose next chat locks and drops of an update's
// claim fail as right after Redis came back (go-redis refuses a call or
// two with its last dial error until its next probe), its other parts
// working.
type releaseFlaky struct {
	*storage.Store
	chatFails, forgetFails, unlockFails atomic.Int32
}

func (s *releaseFlaky) Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error) {
	if kind == "chat" && s.chatFails.Add(-1) >= 0 {
		return false, fmt.Errorf("storage: claim chat: %w", syscall.ECONNREFUSED)
	}
	return s.Store.Claim(ctx, kind, id, lease)
}

func (s *releaseFlaky) Forget(ctx context.Context, kind, id string) error {
	if kind == "tg" && s.forgetFails.Add(-1) >= 0 || kind == "chat" && s.unlockFails.Add(-1) >= 0 {
		return fmt.Errorf("storage: forget %s: %w", kind, syscall.ECONNREFUSED)
	}
	return s.Store.Forget(ctx, kind, id)
}

// TestWebhookClaimNotLeftBehind: an update claimed as Redis came back, whose
// chat lock and the drop of its claim then failed for a moment, is
// answered 503 and handled when Telegram delivers it again, not refused as
// in hand elsewhere until its claim's lease runs out.
func TestWebhookClaimNotLeftBehind(t *testing.T) {
	st := &releaseFlaky{Store: storagetest.MustStore(t)}
	st.chatFails.Store(1)
	st.forgetFails.Store(2)
	handledWhenDeliveredAgain(t, st, http.StatusServiceUnavailable, "with the chat lock failing")
}

// handledWhenDeliveredAgain posts an update to a replica on st, wants
// first as the answer (what failed), and then wants the same update
// handled when it is posted again: its first claim was not left behind.
func handledWhenDeliveredAgain(t *testing.T, st replicaStore, first int, what string) {
	t.Helper()
	l := startLive(t)
	l.fake.Open(101)
	u := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	h := webhookOn(t, l, st)

	if code := post(h, textUpdate(700003, u, "/start"), secret); code != first {
		t.Fatalf("%s: %d, want %d", what, code, first)
	}
	if code := post(h, textUpdate(700003, u, "/start"), secret); code != http.StatusOK {
		t.Fatalf("delivered again: %d, want 200 (the first delivery's claim was left behind)", code)
	}
	if len(l.fake.Messages(101)) == 0 {
		t.Fatal("the update delivered again was not answered")
	}
}

// TestChatLockNotLeftBehind: an update handled while dropping its chat's
// lock failed for a moment does not leave the lock behind: the chat's next
// update is handled at once, not held for up to 10 s and refused (503)
// while the lock's 30-second lease runs.
func TestChatLockNotLeftBehind(t *testing.T) {
	l := startLive(t)
	l.fake.Open(101)
	u := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	st := &releaseFlaky{Store: storagetest.MustStore(t)}
	st.unlockFails.Store(2)
	h := webhookOn(t, l, st)
	if code := post(h, textUpdate(700004, u, "/start"), secret); code != http.StatusOK {
		t.Fatalf("first update: %d, want 200", code)
	}
	if code := post(h, textUpdate(700005, u, "/help"), secret); code != http.StatusOK {
		t.Fatalf("the chat's next update: %d, want 200 (the first one's lock was left behind)", code)
	}
	if n := st.unlockFails.Load(); n >= 0 {
		t.Fatalf("the lock's drop was not tried again (%d failures left to give)", n+1)
	}
}

// lockPanics is a store whose next chat locks panic (a fault of ours), its
// other parts working.
type lockPanics struct {
	*storage.Store
	left atomic.Int32
}

func (s *lockPanics) Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error) {
	if kind == "chat" && s.left.Add(-1) >= 0 {
		panic("injected: a fault while taking the chat's lock")
	}
	return s.Store.Claim(ctx, kind, id, lease)
}

// TestWebhookPanicIsRetried: a panic while a webhook update is handled is
// recovered, the update answered 500 and its claim dropped, so Telegram's
// next delivery of it is handled.
func TestWebhookPanicIsRetried(t *testing.T) {
	st := &lockPanics{Store: storagetest.MustStore(t)}
	st.left.Store(1)
	handledWhenDeliveredAgain(t, st, http.StatusInternalServerError, "with the chat lock panicking")
}
