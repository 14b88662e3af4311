package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// FuzzWebhook posts arbitrary bodies with arbitrary secret headers to the
// webhook handler of a real bot (fake Bot API, real Redis under a prefix of
// its own). The handler never panics, nor lets a panic of the bot pass
// silently; it answers 200, 400, 403, 500 or 503; a wrong secret is 403; a
// body that is not a JSON object with an update_id is 400; and nothing the
// bot sends is refused by Telegram as malformed.
func FuzzWebhook(f *testing.F) {
	// One bot for the whole run (per fuzz worker process): building it is
	// what costs; each input is one request.
	p := testPractice()
	st := storagetest.MustStore(f)
	fake := telegramtest.New()
	f.Cleanup(fake.Close)
	clk := testpractice.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location))
	logs := &logRecorder{}
	log := slog.New(logs)
	b, err := bot.New(bot.Config{Practice: p, Bookings: &tori.Bookings{Practice: p, Store: st, Now: clk.Now}, Store: st, Now: clk.Now, Log: log})
	if err != nil {
		f.Fatal(err)
	}
	tg, err := telegram.Connect(context.Background(), telegram.Config{Bot: b, Store: st, Now: clk.Now, Log: log,
		Token: telegramtest.Token, APIURL: fake.URL, Limiter: &telegram.Limiter{Sleep: func(context.Context, time.Time) error { return nil }}})
	if err != nil {
		f.Fatal(err)
	}
	h := tg.WebhookHandler(secret)

	// Real callback data: the first button of the answer to /start.
	dana := telegramtest.User{ID: 101, FirstName: "Dana", LanguageCode: "en"}
	fake.Open(dana.ID)
	start := textUpdate(1, dana, "/start")
	if code := post(h, start, secret); code != http.StatusOK {
		f.Fatalf("/start: %d", code)
	}
	msgs := fake.Messages(dana.ID)
	if len(msgs) == 0 || len(msgs[0].Keyboard) == 0 {
		f.Fatalf("/start answered %+v", msgs)
	}
	press := fmt.Appendf(nil, `{"update_id":2,"callback_query":{"id":"q1","from":{"id":101,"is_bot":false,"first_name":"Dana","language_code":"en"},`+
		`"chat_instance":"ci","data":%q,"message":{"message_id":%d,"date":1764489600,"chat":{"id":101,"type":"private"},"text":"hi"}}}`,
		msgs[0].Keyboard[0][0].CallbackData, msgs[0].ID)

	for _, body := range [][]byte{
		textUpdate(11, dana, "/start"),
		press,
		textUpdate(3, dana, "/start talk"),
		textUpdate(4, telegramtest.User{ID: 9500, FirstName: "Staff", LanguageCode: "he"}, "/today"),
		textUpdate(5, telegramtest.User{ID: 102, FirstName: "<b>Omer</b> & co", LanguageCode: "xx"}, "hello <i>there</i>"),
		start[:len(start)/2],                             // truncated
		[]byte(`{"update_id":"6","message":{"text":5}}`), // wrong types
		[]byte(`{"update_id":7,"message":{"chat":{"id":"x"}}}`),
		[]byte(`{"update_id":9223372036854775807,"message":{"message_id":9223372036854775807,"from":{"id":9223372036854775807,"first_name":"Big"},"chat":{"id":-9223372036854775808,"type":"private"},"text":"/start"}}`),
		[]byte(`{"update_id":1e400}`),
		[]byte(`{"update_id":8,"callback_query":{"id":"q","from":{"id":101,"first_name":"D"},"data":"` + strings.Repeat("x", 64) + `","message":{"message_id":0,"date":0,"chat":{"id":101,"type":"private"}}}}`),
		[]byte("{\"update_id\":9,\"message\":{\"from\":{\"id\":101,\"first_name\":\"\xff\xfe\"},\"chat\":{\"id\":101,\"type\":\"private\"},\"text\":\"\xc3\x28/start\"}}"), // not UTF-8
		[]byte(`{"nonsense":true}`),
		[]byte(`[{"update_id":10}]`),
		[]byte(`null`),
		[]byte(`{"update_id":0}`),
		{},
	} {
		f.Add(body, secret)
	}
	f.Add(start, "")
	f.Add(start, "wrong")
	f.Add(start, secret+"x")
	f.Add(start, " "+secret)

	statuses := map[int]bool{http.StatusOK: true, http.StatusBadRequest: true, http.StatusForbidden: true, http.StatusInternalServerError: true, http.StatusServiceUnavailable: true}
	f.Fuzz(func(t *testing.T, body []byte, sec string) {
		logs.reset()
		req := httptest.NewRequest(http.MethodPost, telegram.WebhookPath, bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", sec)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		code := w.Code
		if !statuses[code] {
			t.Fatalf("status %d", code)
		}
		if sec != secret {
			if code != http.StatusForbidden {
				t.Fatalf("secret %q: status %d, want 403", sec, code)
			}
			return
		}
		if code == http.StatusForbidden {
			t.Fatal("the right secret was refused")
		}
		if !isUpdateObject(body) && code != http.StatusBadRequest {
			t.Fatalf("not an update: status %d, want 400", code)
		}
		for _, r := range logs.take() {
			if r.panic != "" {
				t.Fatalf("the bot panicked (answered %d): %s", code, r.panic)
			}
			if r.malformed != "" {
				t.Errorf("Telegram refused what the bot sent: %s", r.malformed)
			}
		}
	})
}

// isUpdateObject reports whether body is a JSON object with a non-zero
// integer update_id, without going through the Telegram models.
func isUpdateObject(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	var probe struct {
		ID json.RawMessage `json:"update_id"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return false
	}
	id, err := strconv.ParseInt(string(probe.ID), 10, 64)
	return err == nil && id != 0
}

// logRecorder is a slog handler that keeps what the fuzz target checks:
// panics the bot recovered from, and Bot API calls refused as malformed.
type logRecorder struct {
	mu   sync.Mutex
	recs []logged
}

type logged struct{ panic, malformed string }

// botFaults are the fake Bot API's refusals that only a bug of the bot
// can cause (a fuzzed update may well name a chat or message that does
// not exist, or a callback query that is not pending).
var botFaults = []string{"can't parse entities", "BUTTON_DATA_INVALID", "message text is empty", "message is too long", "can't parse reply keyboard"}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var rec logged
	r.Attrs(func(a slog.Attr) bool {
		switch {
		case a.Key == "panic":
			rec.panic = a.Value.String()
		case a.Key == "err" && r.Message == "telegram call failed":
			for _, f := range botFaults {
				if strings.Contains(a.Value.String(), f) {
					rec.malformed = a.Value.String()
				}
			}
		}
		return true
	})
	if rec != (logged{}) {
		l.mu.Lock()
		l.recs = append(l.recs, rec)
		l.mu.Unlock()
	}
	return nil
}

func (l *logRecorder) reset() { l.take() }

func (l *logRecorder) take() []logged {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.recs
	l.recs = nil
	return out
}
