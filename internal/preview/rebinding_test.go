package preview_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestPreviewAnswersOnlyItsNames: a request under another Host (a page of
// another site whose name was made to resolve to this machine) is refused
// with a line saying how to serve the preview under another address, and
// neither reads the chats nor moves the clock; under the preview's own
// names it is served.
func TestPreviewAnswersOnlyItsNames(t *testing.T) {
	pg := start(t, "")
	u, _ := url.Parse(pg.url)
	port := u.Port()
	do := func(method, path, host, body string) (int, string) {
		t.Helper()
		return requestAs(t, method, pg.url+path, host, body)
	}
	for _, host := range []string{"rebound.example:" + port, "rebound.example", "localhost:" + port + "0"} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/preview/api/state", ""},
			{"GET", "/preview/api/chat?id=9001", ""},
			{"POST", "/preview/api/clock", `{"advance":"24h"}`},
			{"GET", "/paypal/return?token=X", ""},
		} {
			code, body := do(c.method, c.path, host, c.body)
			if code != http.StatusForbidden || !strings.Contains(body, "does not answer to the name") ||
				!strings.Contains(body, "tori preview --listen ADDRESS --public-url URL") || strings.Contains(body, "Preview Clinic") {
				t.Fatalf("%s %s as %s: %d %s", c.method, c.path, host, code, body)
			}
		}
	}
	if ahead := pg.state().Ahead; ahead != "" {
		t.Fatalf("the clock moved: %s", ahead)
	}
	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port} {
		if code, body := do("GET", "/preview/api/state", host, ""); code != 200 || !strings.Contains(body, "Preview Clinic") {
			t.Fatalf("as %s: %d %s", host, code, body)
		}
	}
}

// requestAs sends a request to target under the Host header host (a JSON
// body, if any) and returns the status and body.
func requestAs(t *testing.T, method, target, host, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestStandInsAnswerOnlyLoopback: the Telegram and PayPal stand-ins, on
// loopback ports whose tokens are in the source, refuse a request under
// another Host (a page of another site that found the port), and serve
// the preview's own calls under their loopback names; they bound what a
// client may hold, as tori's listeners do.
func TestStandInsAnswerOnlyLoopback(t *testing.T) {
	pg := start(t, "")
	tg, pp := pg.p.Telegram(), pg.p.PayPal()
	do := func(method, target, host string) (int, string) {
		t.Helper()
		return requestAs(t, method, target, host, "")
	}
	getMe := "/bot" + telegramtest.Token + "/getMe"
	for _, s := range []struct{ name, url, path string }{
		{"Telegram", tg.URL, getMe},
		{"PayPal", pp.URL, "/v2/checkout/orders/X"},
	} {
		u, _ := url.Parse(s.url)
		for _, host := range []string{"rebound.example:" + u.Port(), "rebound.example", "localhost:" + u.Port() + "0"} {
			if code, body := do("POST", s.url+s.path, host); code != http.StatusForbidden || !strings.Contains(body, "the preview's "+s.name+" stand-in") {
				t.Fatalf("%s as %s: %d %s", s.name, host, code, body)
			}
		}
		for _, host := range []string{"127.0.0.1:" + u.Port(), "localhost:" + u.Port(), "[::1]:" + u.Port()} {
			if code, body := do("POST", s.url+s.path, host); code == http.StatusForbidden {
				t.Fatalf("%s as %s: %d %s", s.name, host, code, body)
			}
		}
		if c := map[string]*http.Server{"Telegram": tg.Config, "PayPal": pp.Config}[s.name]; c.ReadHeaderTimeout == 0 || c.ReadTimeout == 0 || c.WriteTimeout == 0 || c.IdleTimeout == 0 {
			t.Fatalf("%s stand-in without timeouts: %+v", s.name, c)
		}
	}
	if code, body := do("POST", tg.URL+getMe, "127.0.0.1:"+strings.TrimPrefix(tg.URL, "http://127.0.0.1:")); code != 200 || !strings.Contains(body, telegramtest.BotUsername) {
		t.Fatalf("getMe as the preview calls it: %d %s", code, body)
	}
}

// TestCheckoutRefusesOtherOrigins: the checkout's Approve is taken only
// from the preview's own pages: another site's origin, and "null" (what a
// sandboxed frame sends), are refused and the order stays unapproved.
func TestCheckoutRefusesOtherOrigins(t *testing.T) {
	pg := start(t, "")
	pay := pg.toCheckout(pg.state().Clients[0].ID, 2, "Next week")
	order := strings.TrimPrefix(pay, pg.url+"/preview/paypal/checkout?token=")
	for _, origin := range []string{"null", "http://rebound.example", "file://"} {
		req, _ := http.NewRequest("POST", pg.url+"/preview/paypal/checkout", strings.NewReader(url.Values{"token": {order}, "action": {"approve"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Approve on the preview's own checkout page") {
			t.Fatalf("Origin %s: %d %s", origin, resp.StatusCode, body)
		}
	}
	if o, _ := pg.p.PayPal().Order(order); o.Status != "CREATED" {
		t.Fatalf("the order is %s after refused approvals", o.Status)
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
