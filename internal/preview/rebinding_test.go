package preview_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
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
		req, _ := http.NewRequest(method, pg.url+path, strings.NewReader(body))
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
