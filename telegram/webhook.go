package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/tori-bot/tori/metrics"
)

// WebhookPath is where Telegram posts updates.
const WebhookPath = "/telegram/webhook"

// maxAttempts: failures of one update before it is given up.
const maxAttempts = 5

// WebhookHandler serves Telegram's webhook with secret, for running
// several bot replicas behind a load balancer: Telegram POSTs each update
// to PUBLIC_URL/telegram/webhook. Our handler, not the library's (which
// answers 200 to a wrong secret and before the update is processed):
//
//   - a missing or wrong X-Telegram-Bot-Api-Secret-Token is 403, and
//     nothing is read;
//   - each update_id is handled once across all replicas (claimed in
//     Redis); a replica that finds it in hand elsewhere answers 503, so
//     Telegram delivers it again once the other is done;
//   - the update is handled before 200 is answered, so an update lost to a
//     crash is delivered again by Telegram;
//   - an update whose handling failed (Redis down, a panic) is answered 500
//     and delivered again, up to maxAttempts; then it is logged and
//     answered 200, so one bad update cannot block the chat for good;
//   - updates of one chat are handled one at a time across all replicas
//     (a lock in Redis; one waits up to 10 s, then answers 503).
func (t *Telegram) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := t.readUpdate(w, r, secret)
		if !ok {
			return
		}

		// Handled to the end even if Telegram hangs up; bounded.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 25*time.Second)
		defer cancel()
		t.answerWebhook(ctx, w, u, t.processWebhook(ctx, u))
	})
}

// readUpdate reads the update of a webhook call, or answers the call: 405
// for a method other than POST, 403 without the secret, 400 for what is
// not an update (sending it again will not help).
func (t *Telegram) readUpdate(w http.ResponseWriter, r *http.Request, secret string) (*models.Update, bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		t.log.Warn("webhook call refused: wrong or missing secret token", "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	var u models.Update
	if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
		t.log.Warn("webhook call refused: not an update", "err", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, false
	}
	return &u, true
}

// answerWebhook answers Telegram for an update handled with err: 200 when
// it is done (or given up), 503 for Telegram to deliver it again later
// (in hand elsewhere, a Redis outage), 500 for a failure, counted.
func (t *Telegram) answerWebhook(ctx context.Context, w http.ResponseWriter, u *models.Update, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
		return
	case errors.Is(err, errSeenBusy):
		http.Error(w, "in hand elsewhere", http.StatusServiceUnavailable)
		return
	case t.store.Unavailable(err):
		// An outage is not the update's fault: Telegram delivers it
		// again, without counting towards giving it up.
		t.logFailure("update not handled; Telegram will deliver it again", err, "update", u.ID)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}

	// A failure: counted, and given up after maxAttempts.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	n, aerr := t.store.Attempt(actx, "tg", updateID(u), 24*time.Hour)
	cancel()
	if aerr == nil && n >= maxAttempts {
		t.log.Error("update given up after repeated failures", "update", u.ID, "attempts", n, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	t.log.Error("update failed; Telegram will deliver it again", "update", u.ID, "attempt", n, "err", err)
	http.Error(w, "failed", http.StatusInternalServerError)
}

// SetWebhook registers url (PUBLIC_URL + WebhookPath) with Telegram, with
// the secret, the updates tori handles and maxConnections.
func (t *Telegram) SetWebhook(ctx context.Context, url, secret string, maxConnections int) error {
	_, err := t.api.SetWebhook(ctx, &tg.SetWebhookParams{
		URL: url, SecretToken: secret, MaxConnections: maxConnections,
		AllowedUpdates: []string{"message", "callback_query"},
	})
	return err
}

// DeleteWebhook switches Telegram back to long polling (pending updates kept).
func (t *Telegram) DeleteWebhook(ctx context.Context) error {
	_, err := t.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{DropPendingUpdates: false})
	return err
}

// Ready reports whether Telegram answers (getMe), for /readyz; the answer
// is kept for 30 seconds.
func (t *Telegram) Ready(ctx context.Context) error {
	if at := t.readyAt.Load(); at != 0 && time.Since(time.Unix(0, at)) < 30*time.Second {
		return nil
	}
	if _, err := t.api.GetMe(ctx); err != nil {
		return err
	}
	t.readyAt.Store(time.Now().UnixNano())
	return nil
}

// observeUpdate records how long an update took.
func observeUpdate(start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	metrics.Updates.WithLabelValues(result).Observe(time.Since(start).Seconds())
}

// callResult names a Bot API call's result for the metrics.
func callResult(err error) string {
	var tooMany *tg.TooManyRequestsError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &tooMany):
		return "429"
	case errors.Is(err, tg.ErrorForbidden):
		return "forbidden"
	case strings.Contains(err.Error(), "message is not modified"):
		return "not_modified" // an edit to what the message already says: success
	}
	return "error"
}

// conflictLogged keeps the "another poller" line to one per process.
var conflictLogged atomic.Bool

// pollError is the library's error handler: a 409 (another process polling
// with this token, or a webhook set) is said once, clearly; the library
// backs off by itself.
func (t *Telegram) pollError(err error) {
	if errors.Is(err, tg.ErrorConflict) {
		if conflictLogged.CompareAndSwap(false, true) {
			t.log.Error("Telegram refuses long polling: another process is polling with this bot token, or a webhook is set. Run one `tori bot` with polling, or run every replica in webhook mode (TELEGRAM_WEBHOOK=true)", "err", err)
		}
		return
	}
	t.log.Warn("telegram", "err", err)
}
