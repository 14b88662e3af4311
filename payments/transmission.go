package payments

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
)

// DefaultVerifyPerMinute bounds the calls to PayPal's verify API per
// minute and process when Config.VerifyPerMinute is 0.
const DefaultVerifyPerMinute = 60

// maxWebhookBody is the largest webhook body read; PayPal's are a few KB.
const maxWebhookBody = 1 << 20

// webhookGuard is the webhook endpoint's hygiene: a request without
// PayPal's transmission headers, or with one not shaped as PayPal sends
// it, is refused before PayPal's verify API is asked; the calls that are
// made are bounded per minute; refusals are counted by reason and summed
// up in at most one log line a minute (docs/ARCHITECTURE.md, "The PayPal
// webhook", says why). It holds the verification budget, the refusal
// tally and the host a stand-in's certificate may come from.
type webhookGuard struct {
	apiHost string // scheme://host of the API base: a stand-in's certificates
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	tokens  float64 // verification calls that may be made now
	size    float64 // at most this many at once (a minute's worth)
	filled  time.Time
	refused map[string]int // since the last summary line
	lastErr string         // the latest error of PayPal's verify API
	logged  time.Time      // when the last summary line was written
}

func newWebhookGuard(cfg Config) *webhookGuard {
	g := &webhookGuard{now: cfg.Now, log: cfg.Log, size: float64(cfg.VerifyPerMinute), refused: map[string]int{}}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.size <= 0 {
		g.size = DefaultVerifyPerMinute
	}

	g.tokens = g.size
	if u, err := url.Parse(cfg.APIBase); err == nil && u.Host != "" {
		g.apiHost = u.Scheme + "://" + u.Host
	}
	return g
}

// take spends one verification call of the budget, refilled at size per
// minute; false when it is spent.
func (g *webhookGuard) take() bool {
	g.mu.Lock()
	defer g.mu.Unlock()

	now := g.now()
	if g.filled.IsZero() {
		g.filled = now
	}
	if d := now.Sub(g.filled); d > 0 {
		g.tokens = min(g.size, g.tokens+d.Minutes()*g.size)
		g.filled = now
	}

	if g.tokens < 1 {
		return false
	}
	g.tokens--
	return true
}

// refuse counts a refused request and returns err. The first refusal, and
// then the first after a minute has passed, writes one line with the
// counts since the last.
func (g *webhookGuard) refuse(reason string, err error) error {
	metrics.WebhookRefused.WithLabelValues(reason).Inc()
	g.mu.Lock()
	g.refused[reason]++
	if reason == "unverifiable" {
		g.lastErr = tori.ErrorMessage(err)
	}

	// At most one line a minute: the refusals are counted until the next.
	now := g.now()
	if !g.logged.IsZero() && now.Sub(g.logged) < time.Minute {
		g.mu.Unlock()
		return err
	}

	attrs := []any{}
	total := 0
	for _, r := range []string{"off", "headers", "body", "limit", "unverifiable", "signature", "event"} {
		if n := g.refused[r]; n > 0 {
			attrs = append(attrs, r, n)
			total += n
		}
	}
	if g.lastErr != "" {
		attrs = append(attrs, "last_error", g.lastErr)
	}
	g.refused, g.lastErr, g.logged = map[string]int{}, "", now
	g.mu.Unlock()

	g.log.Warn("PayPal webhook requests refused (this line comes at most once a minute; tori_paypal_webhook_refused_total counts each by reason)",
		append([]any{"refused", total}, attrs...)...)
	return err
}

// checkTransmission says whether a request carries PayPal's transmission
// headers, each shaped as PayPal's verify API takes it (its request
// schema's patterns and lengths), and a certificate URL of PayPal's.
func (g *webhookGuard) checkTransmission(h http.Header) error {
	id, when, sig := h.Get("PAYPAL-TRANSMISSION-ID"), h.Get("PAYPAL-TRANSMISSION-TIME"), h.Get("PAYPAL-TRANSMISSION-SIG")
	cert, algo := h.Get("PAYPAL-CERT-URL"), h.Get("PAYPAL-AUTH-ALGO")

	switch {
	case id == "" || when == "" || sig == "" || cert == "" || algo == "":
		return tori.Errorf(tori.EINVALID, "not a PayPal webhook: a PAYPAL-TRANSMISSION-* header, PAYPAL-CERT-URL or PAYPAL-AUTH-ALGO is missing")
	case !token(id, 50):
		return tori.Errorf(tori.EINVALID, "PAYPAL-TRANSMISSION-ID is not an id")
	case len(when) > 100 || !rfc3339(when):
		return tori.Errorf(tori.EINVALID, "PAYPAL-TRANSMISSION-TIME is not a date-time")
	case len(sig) > 2048 || !base64ish(sig):
		return tori.Errorf(tori.EINVALID, "PAYPAL-TRANSMISSION-SIG is not base64")
	case len(algo) > 100 || strings.ContainsFunc(algo, func(r rune) bool { return !alnum(r) }):
		return tori.Errorf(tori.EINVALID, "PAYPAL-AUTH-ALGO is not an algorithm's name")
	case len(cert) > 500 || !g.paypalCert(cert):
		return tori.Errorf(tori.EINVALID, "PAYPAL-CERT-URL is not a certificate of PayPal's")
	}
	return nil
}

// paypalCert reports a certificate URL on paypal.com (https), or on the
// API base's own host (a stand-in's).
func (g *webhookGuard) paypalCert(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}

	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" && (host == "paypal.com" || strings.HasSuffix(host, ".paypal.com")) {
		return true
	}
	return g.apiHost != "" && u.Scheme+"://"+u.Host == g.apiHost
}

func alnum(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' }

// token reports a PayPal id: 2 to max printable characters without
// spaces, not all digits (PayPal's pattern ^(?!\d+$)\w+\S+).
func token(s string, max int) bool {
	if len(s) < 2 || len(s) > max || !alnum(rune(s[0])) && s[0] != '_' {
		return false
	}

	digits := true
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
		digits = digits && r >= '0' && r <= '9'
	}
	return !digits
}

func rfc3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// base64ish reports standard base64 (padded or not) that decodes.
func base64ish(s string) bool {
	_, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return len(s) >= 16 && err == nil
}
