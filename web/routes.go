package web

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Ready are what /readyz asks, within 2 s: Redis, and for the bot
// Telegram (nil when this process does not talk to it).
type Ready struct {
	Redis    func(context.Context) error
	Telegram func(context.Context) error
}

// Health serves /healthz (the process is up) and /readyz (Redis answers,
// and for the bot, Telegram).
func Health(ready Ready) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready.Redis(ctx); err != nil {
			http.Error(w, "redis: not reachable", http.StatusServiceUnavailable)
			return
		}

		// For the bot, Telegram too.
		if ready.Telegram != nil {
			if err := ready.Telegram(ctx); err != nil {
				http.Error(w, "telegram: not reachable", http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// Public is the public listener's mux: health and readiness (Health), each
// therapist's calendar feed, and with payments the payment pages and
// PayPal's webhook. The caller adds Telegram's webhook when it takes one.
func (p *Pages) Public(ready Ready, payments bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", Health(ready))
	if payments {
		mux.Handle("/paypal/", p.Payments())
	}
	mux.Handle("/calendar/", p.Feed())
	return mux
}
