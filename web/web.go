// Package web is tori's public HTTP side, apart from Telegram: the pages a
// buyer sees when PayPal sends them back and PayPal's webhook
// (PUBLIC_URL/paypal/return, /paypal/cancel, /paypal/webhook), each
// therapist's calendar feed (/calendar/<id>.ics), and /healthz and
// /readyz. It turns requests into use-case calls (package tori); what the
// pages and the chat say comes from the conversation (package bot), the
// feed's format from package ical. It knows nothing of Telegram: the
// messages a payment calls for go out through a Deliverer.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/storage"
)

// Store is what the pages keep besides appointments: PayPal webhook
// events claimed (see telegram.Store's Claim, Finish, Forget: kind "pp") and
// the therapists' feed secrets. storage.Store satisfies it. Errors are
// EINTERNAL.
type Store interface {
	Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error)
	Finish(ctx context.Context, kind, id string, keep time.Duration) error
	Forget(ctx context.Context, kind, id string) error
	CheckCalendarToken(ctx context.Context, therapistID, token string) (bool, error)
}

// Deliverer sends replies outside of an update; the Telegram adapter
// satisfies it.
type Deliverer interface {
	// Deliver sends replies; an error when none went out and Telegram may
	// take them later (unreachable chats are not an error).
	Deliver(ctx context.Context, replies []bot.Reply) error
	// Send sends one reply (bot.ErrUnreachable: the chat cannot be written to).
	Send(ctx context.Context, r bot.Reply) error
}

// WebhookParser verifies a payment provider's webhook request and returns
// its event: EFORBIDDEN for a bad signature, EINVALID for a malformed
// request or event, ELIMIT when too many were verified of late,
// EUNAVAILABLE when the provider could not be asked. It counts and logs
// its refusals itself. payments.PayPal satisfies it.
type WebhookParser interface {
	ParseWebhook(ctx context.Context, r *http.Request) (tori.PaymentEvent, error)
}

// Config is everything the pages depend on.
type Config struct {
	Bot      *bot.Bot       // what the pages say, and what a payment tells the chat
	Bookings *tori.Bookings // the use cases; its Practice is the practice served
	Store    Store
	Send     Deliverer     // where a payment's messages go
	Hooks    WebhookParser // PayPal's webhooks; nil answers them 404
	Now      func() time.Time
	Log      *slog.Logger // default slog.Default()
}

// Pages serves tori's public pages.
type Pages struct {
	bot      *bot.Bot
	bookings *tori.Bookings
	practice *tori.Practice
	store    Store
	send     Deliverer
	hooks    WebhookParser
	now      func() time.Time
	log      *slog.Logger
}

// New builds the pages.
func New(cfg Config) *Pages {
	p := &Pages{bot: cfg.Bot, bookings: cfg.Bookings, practice: cfg.Bookings.Practice, store: cfg.Store, send: cfg.Send, hooks: cfg.Hooks,
		now: cfg.Now, log: cfg.Log}

	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p
}

// outage reports whether err is Redis unable to take a command this moment.
func outage(err error) bool { return storage.Unavailable(err) }

// logFailure logs a step that failed: a Redis outage as a warning, anything
// else as a fault (ERROR).
func (p *Pages) logFailure(msg string, err error, args ...any) {
	args = append(args, "err", err)
	if outage(err) {
		p.log.Warn(msg+": Redis unavailable", args...)
		return
	}
	p.log.Error(msg, args...)
}
