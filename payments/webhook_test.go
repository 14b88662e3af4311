package payments_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// logLines is a log sink counting its lines.
type logLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logLines) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

// guarded is a PayPal client with a verification bound of perMinute, a
// clock of the test's and a log it reads.
func guarded(t *testing.T, perMinute int) (*payments.PayPal, *paypaltest.Server, *testClock, *logLines) {
	t.Helper()
	fake := paypaltest.New()
	t.Cleanup(fake.Close)
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	logs := &logLines{}
	p, err := payments.New(payments.Config{
		ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: fake.URL, WebhookID: paypaltest.WebhookID,
		ReturnURL: "https://tori.example/paypal/return", CancelURL: "https://tori.example/paypal/cancel",
		Timeout: 5 * time.Second, VerifyPerMinute: perMinute, Now: clock.Now, Log: slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, fake, clock, logs
}

func refused(reason string) float64 {
	return testutil.ToFloat64(metrics.WebhookRefused.WithLabelValues(reason))
}

// TestWebhookHeadersCheckedFirst: a request without PayPal's transmission
// headers, or with one malformed, is refused (EINVALID) and counted
// without a call to PayPal's verify API; a genuine one still verifies.
func TestWebhookHeadersCheckedFirst(t *testing.T) {
	ctx := context.Background()
	p, fake, _, _ := guarded(t, 0)
	genuine := func() *http.Request {
		req, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventOrderApproved, map[string]any{"id": "ORDER-1"}, false)
		return req
	}
	cases := []struct {
		name          string
		header, value string // "" value: the header is removed
	}{
		{"NoTransmissionID", "PAYPAL-TRANSMISSION-ID", ""},
		{"NoTransmissionTime", "PAYPAL-TRANSMISSION-TIME", ""},
		{"NoTransmissionSig", "PAYPAL-TRANSMISSION-SIG", ""},
		{"NoCertURL", "PAYPAL-CERT-URL", ""},
		{"NoAuthAlgo", "PAYPAL-AUTH-ALGO", ""},
		{"IDAllDigits", "PAYPAL-TRANSMISSION-ID", "1234567890"},
		{"IDWithSpace", "PAYPAL-TRANSMISSION-ID", "abc def"},
		{"IDTooLong", "PAYPAL-TRANSMISSION-ID", strings.Repeat("a", 51)},
		{"TimeNotRFC3339", "PAYPAL-TRANSMISSION-TIME", "yesterday at noon"},
		{"SigNotBase64", "PAYPAL-TRANSMISSION-SIG", "this is not base64 at all!"},
		{"AlgoWithSpace", "PAYPAL-AUTH-ALGO", "SHA256 with RSA"},
		{"CertElsewhere", "PAYPAL-CERT-URL", "https://paypal.com.evil.example/v1/notifications/certs/CERT-1"},
		{"CertPlainHTTP", "PAYPAL-CERT-URL", "http://api.paypal.com/v1/notifications/certs/CERT-1"},
		{"CertWithUser", "PAYPAL-CERT-URL", "https://me@api.paypal.com/v1/notifications/certs/CERT-1"},
	}
	before := refused("headers")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := genuine()
			if tc.value == "" {
				req.Header.Del(tc.header)
			} else {
				req.Header.Set(tc.header, tc.value)
			}
			_, err := p.ParseWebhook(ctx, req)
			code(t, err, tori.EINVALID)
		})
	}
	t.Run("NoHeadersAtAll", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "http://tori.test/paypal/webhook", strings.NewReader(`{"id":"WH-1","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"O-1"}}`))
		_, err := p.ParseWebhook(ctx, req)
		code(t, err, tori.EINVALID)
	})
	if n := fake.Calls("verify"); n != 0 {
		t.Fatalf("PayPal's verify API was called %d times for requests without its headers", n)
	}
	if got := refused("headers") - before; got != float64(len(cases)+1) {
		t.Fatalf("refusals counted under headers: %v, want %d", got, len(cases)+1)
	}

	// PayPal's own certificate hosts pass the check (the fake's signature
	// does not cover the certificate URL), and a genuine request verifies.
	for _, cert := range []string{"https://api.paypal.com/v1/notifications/certs/CERT-1", "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-2"} {
		req := genuine()
		req.Header.Set("PAYPAL-CERT-URL", cert)
		if _, err := p.ParseWebhook(ctx, req); err != nil {
			t.Fatalf("certificate at %s: %v", cert, err)
		}
	}
	if ev, err := p.ParseWebhook(ctx, genuine()); err != nil || ev.OrderID != "ORDER-1" {
		t.Fatalf("a genuine webhook: %+v, %v", ev, err)
	}
	if n := fake.Calls("verify"); n != 3 {
		t.Fatalf("verify calls %d, want 3", n)
	}
}

// TestWebhookVerifyBound: at most VerifyPerMinute verification calls a
// minute (a minute's worth at once); beyond it a request is ELIMIT,
// counted, and PayPal is not asked; the budget comes back with time.
func TestWebhookVerifyBound(t *testing.T) {
	ctx := context.Background()
	p, fake, clock, _ := guarded(t, 3)
	send := func(forged bool) error {
		req, _ := fake.Webhook("http://tori.test/paypal/webhook", payments.EventOrderApproved, map[string]any{"id": "ORDER-1"}, forged)
		_, err := p.ParseWebhook(ctx, req)
		return err
	}
	before := refused("limit")
	for range 3 {
		code(t, send(true), tori.EFORBIDDEN) // well-formed forgeries: PayPal says no
	}
	for range 5 {
		code(t, send(false), tori.ELIMIT) // even a genuine one waits its turn
	}
	if n := fake.Calls("verify"); n != 3 {
		t.Fatalf("verify calls %d, want 3 (the bound)", n)
	}
	if got := refused("limit") - before; got != 5 {
		t.Fatalf("refusals counted under limit: %v, want 5", got)
	}
	clock.Advance(20 * time.Second) // a third of a minute: one call
	if err := send(false); err != nil {
		t.Fatalf("a genuine webhook after the budget came back: %v", err)
	}
	code(t, send(false), tori.ELIMIT)
	clock.Advance(time.Hour) // no more than a minute's worth saved up
	for range 3 {
		if err := send(false); err != nil {
			t.Fatal(err)
		}
	}
	code(t, send(false), tori.ELIMIT)
	if n := fake.Calls("verify"); n != 7 {
		t.Fatalf("verify calls %d, want 7", n)
	}
}

// TestWebhookRefusalsSummarized: a flood of refusals writes one log line
// at once and then one a minute with the counts, never one per request.
func TestWebhookRefusalsSummarized(t *testing.T) {
	ctx := context.Background()
	p, _, clock, logs := guarded(t, 0)
	bare := func() error {
		req, _ := http.NewRequest(http.MethodPost, "http://tori.test/paypal/webhook", strings.NewReader("{}"))
		_, err := p.ParseWebhook(ctx, req)
		return err
	}
	for range 50 {
		code(t, bare(), tori.EINVALID)
	}
	if lines := logs.Lines(); len(lines) != 1 || !strings.Contains(lines[0], "refused=1 headers=1") {
		t.Fatalf("log after 50 refusals:\n%s", strings.Join(lines, "\n"))
	}
	clock.Advance(time.Minute)
	code(t, bare(), tori.EINVALID)
	if lines := logs.Lines(); len(lines) != 2 || !strings.Contains(lines[1], "refused=50 headers=50") {
		t.Fatalf("log a minute later:\n%s", strings.Join(lines, "\n"))
	}
}
