package payments

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzTransmission feeds arbitrary transmission headers to the check made
// before PayPal is asked: it never panics, and what it lets through has
// every header, within PayPal's lengths, and a certificate URL on
// paypal.com (https) or on the API base's host.
func FuzzTransmission(f *testing.F) {
	f.Add("69cd13f0-d67a-11e5-baa3-778b53f4ae55", "2016-02-18T20:01:35Z", "vSOIQFIZQHv8G2vpbOpD/4fSC4/MYhdHyv+AmgJyeJQq6q5avWyHIe==",
		"https://api.paypal.com/v1/notifications/certs/CERT-360caa42", "SHA256withRSA")
	f.Add("1234", "", "x", "http://127.0.0.1:1/cert", "a b")
	f.Add("_a", "2016-02-18T20:01:35.123+02:00", "AAAAAAAAAAAAAAAAAAAA", "https://paypal.com.evil/x", "RSA")
	g := newWebhookGuard(Config{APIBase: "http://127.0.0.1:1"})
	f.Fuzz(func(t *testing.T, id, when, sig, cert, algo string) {
		h := http.Header{}
		for k, v := range map[string]string{"PAYPAL-TRANSMISSION-ID": id, "PAYPAL-TRANSMISSION-TIME": when,
			"PAYPAL-TRANSMISSION-SIG": sig, "PAYPAL-CERT-URL": cert, "PAYPAL-AUTH-ALGO": algo} {
			h.Set(k, v)
		}
		if g.checkTransmission(h) != nil {
			return
		}
		if id == "" || when == "" || sig == "" || algo == "" || len(id) > 50 || len(sig) > 2048 || len(cert) > 500 {
			t.Fatalf("let through %q %q %q %q %q", id, when, sig, cert, algo)
		}
		u, err := url.Parse(cert)
		if err != nil {
			t.Fatalf("let through an unparsable certificate URL %q", cert)
		}
		host := strings.ToLower(u.Hostname())
		if !(u.Scheme == "https" && (host == "paypal.com" || strings.HasSuffix(host, ".paypal.com"))) && u.Host != "127.0.0.1:1" {
			t.Fatalf("let through a certificate at %q", cert)
		}
	})
}
