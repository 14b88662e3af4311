package metrics

import "github.com/prometheus/client_golang/prometheus"

// PayPal webhook requests: refused ones by reason, and the calls made to
// PayPal's verify-webhook-signature API by result.
var (
	// WebhookRefused counts PayPal webhook requests refused, by reason:
	// off (no PAYPAL_WEBHOOK_ID), headers (a transmission header missing or
	// malformed: PayPal was not asked), body (unreadable or too large),
	// limit (over the verification bound: PayPal was not asked),
	// unverifiable (PayPal could not be asked), signature (PayPal said it
	// does not verify), event (verified, but not an event tori can read).
	WebhookRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_paypal_webhook_refused_total",
		Help: "PayPal webhook requests refused, by reason (off, headers, body, limit, unverifiable, signature, event).",
	}, []string{"reason"})
	// WebhookVerifications counts calls to PayPal's verify API by result
	// (success, failure, error).
	WebhookVerifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_paypal_webhook_verifications_total",
		Help: "Calls to PayPal's verify-webhook-signature API, by result (success, failure, error).",
	}, []string{"result"})
)

func init() { Registry.MustRegister(WebhookRefused, WebhookVerifications) }
