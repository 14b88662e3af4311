package bot

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tori-bot/tori/bot/telegramtest"
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
	whole := writesPerMessage(t, transport)
	t.Logf("socket writes per sendMessage: %.1f with the library alone, %.1f through transport", alone, whole)
	if whole > 2 {
		t.Fatalf("a sendMessage took %.1f writes through transport, want at most 2", whole)
	}
}
