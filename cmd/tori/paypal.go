package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
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

// readPayPal reads PayPal's settings from the environment, or returns nil
// when the practice takes no money online and PayPal is not set up.
func readPayPal(p *tori.Practice, getenv func(string) string) (*payments.Config, error) {
	id, secret := strings.TrimSpace(getenv("PAYPAL_CLIENT_ID")), strings.TrimSpace(getenv("PAYPAL_CLIENT_SECRET"))
	if !needsPayPal(p) && id == "" {
		return nil, nil
	}

	if err := payments.CheckPractice(p); err != nil {
		return nil, messageError{"", err}
	}
	if id == "" || secret == "" {
		return nil, errors.New("PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are not set, but services are paid in advance (payment: full or deposit, or the repeat-offender rule): copy them from developer.paypal.com > Apps & Credentials, or use payment: none")
	}

	public, err := payPalPublicURL(getenv)
	if err != nil {
		return nil, err
	}
	perMinute, err := verifyPerMinute(getenv)
	if err != nil {
		return nil, err
	}
	return &payments.Config{
		ClientID: id, Secret: secret, APIBase: payPalAPI(getenv), WebhookID: strings.TrimSpace(getenv("PAYPAL_WEBHOOK_ID")),
		ReturnURL: public + "/paypal/return", CancelURL: public + "/paypal/cancel", BrandName: p.Name,
		VerifyPerMinute: perMinute,
	}, nil
}

// payPalPublicURL is PUBLIC_URL, where PayPal sends buyers back to.
func payPalPublicURL(getenv func(string) string) (string, error) {
	public := strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/")
	u, err := url.Parse(public)
	if public == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("PUBLIC_URL %q is not this server's public address, such as https://tori.example.com: PayPal sends buyers back to PUBLIC_URL/paypal/return", public)
	}
	return public, nil
}

// payPalAPI is PAYPAL_API_BASE: sandbox (the default), live, or a URL.
func payPalAPI(getenv func(string) string) string {
	base := strings.TrimSpace(getenv("PAYPAL_API_BASE"))
	switch strings.ToLower(base) {
	case "", "sandbox":
		return payments.Sandbox
	case "live":
		return payments.Live
	}
	return base
}

// verifyPerMinute is PAYPAL_WEBHOOK_VERIFY_PER_MINUTE, 0 (the package's
// default) when unset.
func verifyPerMinute(getenv func(string) string) (int, error) {
	n, v, ok := envInt(getenv, "PAYPAL_WEBHOOK_VERIFY_PER_MINUTE", 0, 1, 6000)
	if !ok {
		return 0, fmt.Errorf("PAYPAL_WEBHOOK_VERIFY_PER_MINUTE %q: use a number of calls from 1 to 6000 (default %d)", v, payments.DefaultVerifyPerMinute)
	}
	return n, nil
}

// connectPayPal builds the PayPal client of cfg (nil: none).
func connectPayPal(cfg *payments.Config, log *slog.Logger) (*payments.PayPal, error) {
	if cfg == nil {
		return nil, nil
	}
	if cfg.WebhookID == "" {
		log.Warn("PAYPAL_WEBHOOK_ID is not set: PayPal webhooks are refused; payments are finished when the buyer returns")
	}

	c := *cfg
	c.Log = log
	pp, err := payments.New(c)
	if err != nil {
		return nil, err
	}
	log.Info("PayPal payments on", "api", c.APIBase, "return", c.ReturnURL, "webhook", c.WebhookID != "")
	return pp, nil
}
