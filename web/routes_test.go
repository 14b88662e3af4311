package web_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tori-bot/tori/web"
)

// TestHealth: /healthz answers while the process runs; /readyz answers 200
// only when Redis answers, and Telegram too when the process talks to it,
// and says which did not.
func TestHealth(t *testing.T) {
	up := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("no answer") }
	for _, c := range []struct {
		name  string
		ready web.Ready
		code  int
		says  string
	}{
		{"Ready", web.Ready{Redis: up, Telegram: up}, 200, "ready"},
		{"WorkerReady", web.Ready{Redis: up}, 200, "ready"},
		{"RedisDown", web.Ready{Redis: down, Telegram: up}, 503, "redis: not reachable"},
		{"TelegramDown", web.Ready{Redis: up, Telegram: down}, 503, "telegram: not reachable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := web.Health(c.ready)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
			if w.Code != 200 || w.Body.String() != "ok\n" {
				t.Fatalf("/healthz: %d %q", w.Code, w.Body)
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
			if w.Code != c.code || !strings.Contains(w.Body.String(), c.says) {
				t.Fatalf("/readyz: %d %q, want %d %q", w.Code, w.Body, c.code, c.says)
			}
		})
	}
}
