package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments"
)

// needsPayPal reports whether the practice takes money online: a prepaid or
// deposit service, or the repeat-offender rule (which makes pay-at-session
// bookings prepaid).
func needsPayPal(p *tori.Practice) bool {
	if p.Policy.RepeatCount > 0 {
		return true
	}
	for _, s := range p.Services {
		if s.Payment != tori.PayNone {
			return true
		}
	}
	return false
}

// connectPayPal builds the PayPal client from the environment, or returns
// nil when the practice takes no money online and PayPal is not set up.
func connectPayPal(p *tori.Practice, getenv func(string) string, log *slog.Logger) (*payments.PayPal, error) {
	id, secret := strings.TrimSpace(getenv("PAYPAL_CLIENT_ID")), strings.TrimSpace(getenv("PAYPAL_CLIENT_SECRET"))
	need := needsPayPal(p)
	if !need && id == "" {
		return nil, nil
	}
	if err := payments.CheckPractice(p); err != nil {
		return nil, errors.New(tori.ErrorMessage(err))
	}
	if id == "" || secret == "" {
		return nil, errors.New("PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are not set, but services are paid in advance (payment: full or deposit, or the repeat-offender rule): copy them from developer.paypal.com > Apps & Credentials, or use payment: none")
	}
	public := strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/")
	u, err := url.Parse(public)
	if public == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("PUBLIC_URL %q is not this server's public address, such as https://tori.example.com: PayPal sends buyers back to PUBLIC_URL/paypal/return", public)
	}
	base := strings.TrimSpace(getenv("PAYPAL_API_BASE"))
	switch strings.ToLower(base) {
	case "", "sandbox":
		base = payments.Sandbox
	case "live":
		base = payments.Live
	}
	webhookID := strings.TrimSpace(getenv("PAYPAL_WEBHOOK_ID"))
	perMinute := 0
	if v := strings.TrimSpace(getenv("PAYPAL_WEBHOOK_VERIFY_PER_MINUTE")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 6000 {
			return nil, fmt.Errorf("PAYPAL_WEBHOOK_VERIFY_PER_MINUTE %q: use a number of calls from 1 to 6000 (default %d)", v, payments.DefaultVerifyPerMinute)
		}
		perMinute = n
	}
	if webhookID == "" {
		log.Warn("PAYPAL_WEBHOOK_ID is not set: PayPal webhooks are refused; payments are finished when the buyer returns")
	}
	pp, err := payments.New(payments.Config{
		ClientID: id, Secret: secret, APIBase: base, WebhookID: webhookID,
		ReturnURL: public + "/paypal/return", CancelURL: public + "/paypal/cancel", BrandName: p.Name,
		VerifyPerMinute: perMinute, Log: log,
	})
	if err != nil {
		return nil, err
	}
	log.Info("PayPal payments on", "api", base, "return", public+"/paypal/return", "webhook", webhookID != "")
	return pp, nil
}
