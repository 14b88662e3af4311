package telegram

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) { c.writes.Add(1); return c.Conn.Write(p) }

// writesPerMessage sends ten messages through the real client over rt and
// gives the socket writes per message.
func writesPerMessage(t *testing.T, wrap func(http.RoundTripper) http.RoundTripper) float64 {
	t.Helper()
	fake := telegramtest.New()
	defer fake.Close()
	var writes atomic.Int64
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{Conn: c, writes: &writes}, err
	}
	api, err := tg.New(telegramtest.Token, tg.WithServerURL(fake.URL), tg.WithSkipGetMe(),
		tg.WithHTTPClient(0, &http.Client{Transport: wrap(base)}))
	if err != nil {
		t.Fatal(err)
	}
	fake.Open(7)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Mon 30/11", CallbackData: "d:adi:20261130"}}}}
	for range 10 {
		if _, err := api.SendMessage(context.Background(), &tg.SendMessageParams{ChatID: 7, Text: "<b>Choose a day</b>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(fake.Messages(7)); got != 10 {
		t.Fatalf("the fake has %d messages, want 10", got)
	}
	return float64(writes.Load()) / 10
}

// TestRequestsLeaveWhole: a Bot API request leaves in at most two writes
// (headers and body), where the library alone sends a chunk per form part.
func TestRequestsLeaveWhole(t *testing.T) {
	alone := writesPerMessage(t, func(rt http.RoundTripper) http.RoundTripper { return rt })
	whole := writesPerMessage(t, func(rt http.RoundTripper) http.RoundTripper { return transport(rt, time.Minute) })
	t.Logf("socket writes per sendMessage: %.1f with the library alone, %.1f through transport", alone, whole)
	if whole > 2 {
		t.Fatalf("a sendMessage took %.1f writes through transport, want at most 2", whole)
	}
}

// TestRequestsTimeOut: a call without a deadline of its own gets the
// transport's (the client's timeout), one with a sooner deadline keeps it,
// one with a later deadline gets the transport's, and an answer read in
// time is whole.
func TestRequestsTimeOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	defer close(release)
	c := &http.Client{Transport: transport(nil, 200*time.Millisecond)}

	start := time.Now()
	_, err := c.Post(srv.URL+"/hang", "text/plain", strings.NewReader("x"))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a hanging call without a deadline: %v, want the transport's deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("gave up after %s", d)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/hang", strings.NewReader("x"))
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a hanging call with its own deadline: %v", err)
	}

	// A deadline of its own later than the transport's: the transport's.
	long, cancelLong := context.WithTimeout(context.Background(), time.Hour)
	defer cancelLong()
	req, _ = http.NewRequestWithContext(long, http.MethodPost, srv.URL+"/hang", strings.NewReader("x"))
	start = time.Now()
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("a hanging call with an hour's deadline: %v after %s, want the transport's deadline", err, time.Since(start))
	}

	resp, err := c.Post(srv.URL+"/ok", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("answer %q, %v", body, err)
	}
}
