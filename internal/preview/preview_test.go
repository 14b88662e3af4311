package preview_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/preview"
)

const wait = 20 * time.Second

// practice is a one-therapist practice with a prepaid session, a prepaid
// video session (with a meeting link), a talk paid at the session (which a
// client can make weekly) and a therapist at Telegram id 9001 (in Hebrew).
func practice() *tori.Practice {
	var hours tori.WeeklyHours
	for d := time.Sunday; d <= time.Saturday; d++ {
		hours[d] = []tori.Span{{Start: 9 * 60, End: 17 * 60}}
	}
	loc, err := time.LoadLocation("Asia/Jerusalem")
	if err != nil {
		loc = time.UTC
	}
	p := &tori.Practice{Name: "Preview Clinic", Location: loc, Language: "en", Address: "1 Herzl St, Tel Aviv",
		Policy:     tori.DefaultPolicy(),
		Therapists: []tori.Therapist{{ID: "adi", Name: "Adi", TelegramIDs: []int64{9001}, Lang: "he", Hours: hours}},
		Services: []tori.Service{{ID: "session", Names: map[string]string{"en": "Session", "he": "פגישה"}, Duration: 50 * time.Minute,
			Price: tori.Money{Amount: 35000, Currency: "ILS"}, Payment: tori.PayFull},
			{ID: "video", Names: map[string]string{"en": "Video session", "he": "פגישת וידאו"}, Duration: 45 * time.Minute,
				Price: tori.Money{Amount: 30000, Currency: "ILS"}, Payment: tori.PayFull, Remote: true, MeetingLink: "https://meet.example.com/adi"},
			{ID: "talk", Names: map[string]string{"en": "Talk", "he": "שיחה"}, Duration: 50 * time.Minute, Price: tori.Money{Amount: 30000, Currency: "ILS"}}},
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// page drives a running preview through its HTTP API, as the page does.
type page struct {
	t       *testing.T
	url     string
	p       *preview.Preview
	browser *http.Client
}

func start(t *testing.T, redisURL string) *page {
	t.Helper()
	return startWith(t, preview.Config{Practice: practice(), RedisURL: redisURL})
}

// startWith starts the preview of cfg, served at a test server's address.
func startWith(t *testing.T, cfg preview.Config) *page {
	t.Helper()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	p, err := preview.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	h = p.Handler()
	jar, _ := cookiejar.New(nil)
	return &page{t: t, url: srv.URL, p: p, browser: &http.Client{Jar: jar, Timeout: wait}}
}

func (pg *page) call(method, path string, body any, out any) int {
	pg.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd = strings.NewReader(string(b))
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, pg.url+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := pg.browser.Do(req)
	if err != nil {
		pg.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(data, out); err != nil {
			pg.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	} else if out != nil {
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

type button struct {
	Text string `json:"text"`
	Data string `json:"callback_data"`
	URL  string `json:"url"`
}

type item struct {
	From    string     `json:"from"`
	ID      int        `json:"id"`
	HTML    string     `json:"html"`
	Text    string     `json:"text"`
	Buttons [][]button `json:"buttons"`
	Edited  bool       `json:"edited"`
	File    string     `json:"file"`
}

type chat struct {
	Version string `json:"version"`
	Items   []item `json:"items"`
}

type state struct {
	NowText string `json:"nowText"`
	Ahead   string `json:"ahead"`
	Redis   string `json:"redis"`
	Clients []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Lang string `json:"lang"`
	} `json:"clients"`
	Practice []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"practice"`
}

func (pg *page) state() state {
	var s state
	if code := pg.call("GET", "/preview/api/state", nil, &s); code != 200 {
		pg.t.Fatalf("state: %d", code)
	}
	return s
}

func (pg *page) say(id int64, text string) {
	pg.t.Helper()
	var out map[string]any
	if code := pg.call("POST", "/preview/api/send", map[string]any{"id": id, "text": text}, &out); code != 200 {
		pg.t.Fatalf("send %q: %d %v", text, code, out)
	}
}

// until long-polls the chat (as the page does) until ok holds.
func (pg *page) until(id int64, what string, ok func(chat) bool) chat {
	pg.t.Helper()
	deadline := time.Now().Add(wait)
	since := ""
	for {
		var c chat
		if code := pg.call("GET", fmt.Sprintf("/preview/api/chat?id=%d&since=%s", id, url.QueryEscape(since)), nil, &c); code != 200 {
			pg.t.Fatalf("chat %d: %d", id, code)
		}
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			last := "(nothing)"
			if n := len(c.Items); n > 0 {
				last = fmt.Sprintf("%+v", c.Items[n-1])
			}
			pg.t.Fatalf("chat %d: %s did not happen in %s; last: %s", id, what, wait, last)
		}
		since = c.Version
	}
}

// last is the chat's latest message of the bot's that is not a file.
func last(c chat) item {
	for i := len(c.Items) - 1; i >= 0; i-- {
		if it := c.Items[i]; it.From == "bot" && it.File == "" {
			return it
		}
	}
	return item{}
}

func lastHas(s string) func(chat) bool {
	return func(c chat) bool { return strings.Contains(last(c).HTML, s) }
}

func has(s string) func(chat) bool {
	return func(c chat) bool {
		for _, it := range c.Items {
			if strings.Contains(it.HTML, s) {
				return true
			}
		}
		return false
	}
}

// press presses the first button of the latest message whose label
// contains label (or whose data starts with it, for "d:" and the like).
func (pg *page) press(id int64, label string) string {
	pg.t.Helper()
	c := pg.until(id, "a button "+label, func(c chat) bool { _, ok := find(last(c), label); return ok })
	m := last(c)
	b, _ := find(m, label)
	var out struct {
		Notice string `json:"notice"`
		Error  string `json:"error"`
	}
	if code := pg.call("POST", "/preview/api/press", map[string]any{"id": id, "message": m.ID, "data": b.Data}, &out); code != 200 {
		pg.t.Fatalf("press %q: %d %s", label, code, out.Error)
	}
	// The press is answered beside the bot's replies, not after them: the
	// next step starts from the chat they made.
	pg.until(id, "the answer to "+label, func(now chat) bool { return now.Version != c.Version })
	return out.Notice
}

func find(m item, label string) (button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Data != "" && (strings.Contains(b.Text, label) || strings.HasPrefix(b.Data, label)) {
				return b, true
			}
		}
	}
	return button{}, false
}

// book books the session for client id a week or more ahead (after the
// next week's button, labelled next, pressed weeks times) and pays at the PayPal stand-in.
func (pg *page) book(id int64, weeks int, next, paid string) {
	pg.t.Helper()
	pay := pg.toCheckout(id, weeks, next)
	resp, err := pg.browser.Get(pay)
	if err != nil {
		pg.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "simulation") || !strings.Contains(string(body), "Pay "+paid) {
		pg.t.Fatalf("checkout page %d:\n%s", resp.StatusCode, body)
	}
	token := strings.TrimPrefix(pay, pg.url+"/preview/paypal/checkout?token=")
	resp, err = pg.browser.PostForm(pg.url+"/preview/paypal/checkout", url.Values{"token": {token}, "action": {"approve"}})
	if err != nil {
		pg.t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "✅") || !strings.Contains(string(body), `href="/preview/"`) {
		pg.t.Fatalf("return page %d:\n%s", resp.StatusCode, body)
	}
}

// toCheckout holds the session for client id a week or more ahead (as
// book does) and returns the pay button's link to the checkout page.
func (pg *page) toCheckout(id int64, weeks int, next string) string {
	pg.t.Helper()
	pg.say(id, "/start session")
	for range weeks {
		pg.press(id, next)
	}
	pg.press(id, "d:")
	pg.press(id, "t:")
	pg.press(id, "k:")
	c := pg.until(id, "the pay button", func(c chat) bool { return payURL(last(c)) != "" })
	pay := payURL(last(c))
	if !strings.HasPrefix(pay, pg.url+"/preview/paypal/checkout?token=") {
		pg.t.Fatalf("the pay button leads to %s, not the PayPal stand-in", pay)
	}
	return pay
}

func payURL(m item) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.URL != "" {
				return b.URL
			}
		}
	}
	return ""
}

// TestPreviewBookPayCancelRemind: through the page's API, on the embedded
// Redis, a client books and pays at the PayPal stand-in, gets the
// confirmation and its .ics, the therapist is told; the client cancels and
// gets the policy's refund, issued once at the stand-in; a second client,
// in Hebrew, books, and a clock jump brings their reminder.
func TestPreviewBookPayCancelRemind(t *testing.T) {
	pg := start(t, "")
	st := pg.state()
	if !strings.Contains(st.Redis, "embedded") || len(st.Clients) != 2 || len(st.Practice) != 1 || st.Practice[0].ID != 9001 {
		t.Fatalf("state %+v", st)
	}
	dana, noa := st.Clients[0].ID, st.Clients[1].ID

	pg.book(dana, 2, "Next week", "₪350")
	c := pg.until(dana, "the confirmation and its .ics", func(c chat) bool {
		return has("You're booked.")(c) && strings.HasSuffix(c.Items[len(c.Items)-1].File, ".ics")
	})
	file := c.Items[len(c.Items)-1]
	resp, err := pg.browser.Get(fmt.Sprintf("%s/preview/api/file?id=%d&message=%d", pg.url, dana, file.ID))
	if err != nil {
		t.Fatal(err)
	}
	ics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(ics), "BEGIN:VCALENDAR") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the .ics download: %s %q", resp.Header.Get("Content-Disposition"), ics)
	}
	pg.until(9001, "the therapist's notice of the booking", has("Dana"))
	// What a person typed shows in their chat, before the bot's answer.
	if c.Items[0].From != "me" || c.Items[0].Text != "/start session" {
		t.Fatalf("the first bubble is %+v", c.Items[0])
	}

	pg.say(dana, "/my")
	pg.press(dana, "Cancel 1")
	pg.press(dana, "Yes, cancel it")
	pg.until(dana, "the refund", lastHas("₪350 has been refunded"))
	pg.until(9001, "the therapist's notice of the cancellation", has("ביטול"))
	// At the stand-in: one capture, refunded once, in full (two weeks'
	// notice); PayPal told tori of each step by webhook, as it does live.
	pp := pg.p.PayPal()
	o, _ := pp.Order(pp.Orders()[0])
	if o.Capture == nil {
		t.Fatalf("order %+v has no capture", o)
	}
	if rf := pp.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Value != "350.00" {
		t.Fatalf("refunds %+v", rf)
	}
	// The refund's webhook goes on a goroutine of its own, as PayPal's do.
	for deadline := time.Now().Add(wait); pp.Calls("verify") < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("tori verified %d webhooks, want the approval, the capture and the refund", pp.Calls("verify"))
		}
	}

	// Noa, in Hebrew, books for the week after next; the clock moves a day
	// at a time until her reminder comes (48 hours before).
	var lang state
	if code := pg.call("POST", "/preview/api/language", map[string]any{"id": noa, "lang": "he"}, &lang); code != 200 {
		t.Fatalf("language: %d", code)
	}
	pg.book(noa, 2, "השבוע הבא", "₪350")
	pg.until(noa, "her confirmation", has("✅"))
	for day := 0; ; day++ {
		if day == 20 {
			t.Fatal("no reminder in 20 days")
		}
		var s state
		if code := pg.call("POST", "/preview/api/clock", map[string]any{"advance": "24h"}, &s); code != 200 || s.Ahead == "" {
			t.Fatalf("clock: %d %+v", code, s)
		}
		var c chat
		pg.call("GET", fmt.Sprintf("/preview/api/chat?id=%d", noa), nil, &c)
		if has("⏰")(c) {
			if !has("תזכורת")(c) {
				t.Fatalf("the reminder is not in Hebrew: %+v", last(c))
			}
			break
		}
	}
	// Two days on, the morning of her session: the therapist's agenda
	// (the clock passes through its morning window on the way).
	var s state
	if code := pg.call("POST", "/preview/api/clock", map[string]any{"advance": "48h"}, &s); code != 200 {
		t.Fatalf("clock: %d", code)
	}
	pg.until(9001, "the day's agenda, with her session", func(c chat) bool {
		for _, it := range c.Items {
			if strings.Contains(it.HTML, "📋") && strings.Contains(it.HTML, "Noa") {
				return true
			}
		}
		return false
	})
}

// TestPreviewRefusals: what the API refuses, it says how to put right.
func TestPreviewRefusals(t *testing.T) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	pg := start(t, redisURL)
	dana := pg.state().Clients[0].ID
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		says       string
	}{
		{"unknown call", "/preview/api/nothing", map[string]any{}, 404, "no such call"},
		{"wrong method", "/preview/api/state", map[string]any{}, 405, "use GET"},
		{"unknown field", "/preview/api/send", map[string]any{"id": dana, "txt": "hi"}, 400, "unknown field"},
		{"two values", "/preview/api/send", rawBody(`{"id":1,"text":"a"} {}`), 400, "more than one"},
		{"too large", "/preview/api/send", rawBody(`{"id":1,"text":"` + strings.Repeat("x", 70<<10) + `"}`), 413, "larger than 64 KB"},
		{"clock too far", "/preview/api/clock", map[string]any{"advance": "200h"}, 400, "1m to 168h"},
		{"unknown person", "/preview/api/send", map[string]any{"id": 42, "text": "hi"}, 404, "choose one"},
		{"empty text", "/preview/api/send", map[string]any{"id": dana, "text": "  "}, 400, "type something"},
		{"long text", "/preview/api/send", map[string]any{"id": dana, "text": strings.Repeat("x", 4097)}, 400, "4,096"},
		{"not JSON", "/preview/api/send", rawBody("x"), 400, "JSON"},
		{"button not there", "/preview/api/press", map[string]any{"id": dana, "message": 1, "data": "x:1"}, 400, "not on that message"},
		{"clock backwards", "/preview/api/clock", map[string]any{"advance": "-1h"}, 400, "only goes forward"},
		{"clock nonsense", "/preview/api/clock", map[string]any{"advance": "soon"}, 400, "such as 15m"},
		{"language", "/preview/api/language", map[string]any{"id": dana, "lang": "fr"}, 400, "en (English) or he"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct{ Error string }
			if code := pg.call("POST", tc.path, tc.body, &out); code != tc.status || !strings.Contains(out.Error, tc.says) {
				t.Fatalf("%d %q", code, out.Error)
			}
		})
	}
	if st := pg.state(); !strings.Contains(st.Redis, "REDIS_URL") {
		t.Fatalf("with a Redis at REDIS_URL the preview says %q", st.Redis)
	}
	t.Run("not JSON content", func(t *testing.T) {
		resp, err := http.Post(pg.url+"/preview/api/send", "text/plain", strings.NewReader(`{"id":1001,"text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("a text/plain body (what another site's page can send unasked) got %d", resp.StatusCode)
		}
	})
	t.Run("not live", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(pg.url + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "not the live bot") {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
	})
	t.Run("close twice", func(t *testing.T) { pg.p.Close(); pg.p.Close() })
}

// rawBody is a request body sent as it is.
type rawBody string

// TestPreviewHoldExpires: a time held and not paid for ends when the clock
// passes the hold's end, and the client is told in the chat.
func TestPreviewHoldExpires(t *testing.T) {
	pg := start(t, "")
	dana := pg.state().Clients[0].ID
	pg.say(dana, "/start session")
	pg.press(dana, "Next week")
	pg.press(dana, "d:")
	pg.press(dana, "t:")
	pg.until(dana, "the summary with the hold", func(c chat) bool { _, ok := find(last(c), "k:"); return ok })
	var s state
	if code := pg.call("POST", "/preview/api/clock", map[string]any{"advance": "20m"}, &s); code != 200 || s.Ahead != "+20m" {
		t.Fatalf("clock: %d %+v", code, s)
	}
	pg.until(dana, "the hold's end", has("⌛ Your hold on"))
}

// TestPreviewWaitlistOffer: being the second client, join the waitlist
// for the days the first one booked; when the first cancels, the clock's
// next move has the worker offer the freed time to the second.
func TestPreviewWaitlistOffer(t *testing.T) {
	pg := start(t, "")
	st := pg.state()
	dana, noa := st.Clients[0].ID, st.Clients[1].ID
	var lang state
	if code := pg.call("POST", "/preview/api/language", map[string]any{"id": noa, "lang": "en"}, &lang); code != 200 {
		t.Fatalf("language: %d", code)
	}
	pg.book(dana, 2, "Next week", "₪350")
	pg.until(dana, "the confirmation", has("You're booked."))

	pg.say(noa, "/start session")
	pg.press(noa, "Next week")
	pg.press(noa, "Next week")
	pg.press(noa, "Join the waitlist for these days")
	pg.press(noa, "Any time")
	pg.until(noa, "her place on the waitlist", lastHas("You're on the waitlist."))

	pg.say(dana, "/my")
	pg.press(dana, "Cancel 1")
	pg.press(dana, "Yes, cancel it")
	pg.until(dana, "the cancellation", has("Cancelled."))
	var s state
	if code := pg.call("POST", "/preview/api/clock", map[string]any{"advance": "1m"}, &s); code != 200 {
		t.Fatalf("clock: %d", code)
	}
	pg.until(noa, "the offer of the freed time", func(c chat) bool { _, ok := find(last(c), "Take it"); return ok })
}
