package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestPreviewWithoutToken: tori with no TELEGRAM_BOT_TOKEN and no
// tori.yaml runs the local preview of the example practice (one log line
// says where and that nothing leaves the machine), with its links on this
// machine rather than at PUBLIC_URL, and stops cleanly; tori preview runs
// it with a token too.
func TestPreviewWithoutToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		token string
		says  string
	}{
		{"NoToken", nil, "", "No TELEGRAM_BOT_TOKEN: running the local preview at http://localhost:"},
		{"PreviewCommand", []string{"preview"}, "123:abc", "Running the local preview at http://localhost:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := freeAddr(t)
			vars := map[string]string{"TELEGRAM_BOT_TOKEN": tc.token, "HTTP_ADDR": addr, "REDIS_URL": storagetest.URL(),
				"TORI_CONFIG": filepath.Join(t.TempDir(), "tori.yaml"), "PUBLIC_URL": "https://tori.example.com"}
			logs, stop := started(t, tc.args, func(k string) string { return vars[k] }, "/preview — nothing leaves this machine")
			// PUBLIC_URL is the live bot's: the preview's links stay on this machine.
			if !strings.Contains(logs.String(), tc.says) || !strings.Contains(logs.String(), "the preview shows the example practice") ||
				!strings.Contains(logs.String(), "PUBLIC_URL (https://tori.example.com) is the live bot's address: the preview's links lead to http://localhost:") {
				t.Fatalf("log:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "123:abc") {
				t.Fatalf("the token was logged:\n%s", logs.String())
			}
			if code, body := get(t, "http://"+addr+"/preview/api/state"); code != 200 || !strings.Contains(body, "Adi Levi Psychotherapy") {
				t.Fatalf("state %d: %s", code, body)
			}
			stop()
		})
	}
}

// TestPreviewExamplePractice: without a tori.yaml the preview shows the
// example practice with its video session prepaid, so paying can be seen,
// and its standing weekly client, whose series is of a service paid at the
// session with one of its therapists, within their working hours.
func TestPreviewExamplePractice(t *testing.T) {
	p, standing, err := previewPractice(filepath.Join(t.TempDir(), "tori.yaml"), newLogger(io.Discard, func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]tori.PaymentMode{}
	for _, s := range p.Services {
		modes[s.ID] = s.Payment
	}
	if modes["video"] != tori.PayFull || modes["talk"] != tori.PayNone {
		t.Fatalf("payment modes %v, want video prepaid and talk paid at the session", modes)
	}

	if len(standing) == 0 {
		t.Fatal("the example practice has no standing client")
	}
	for _, st := range standing {
		s, ok := p.Service(st.ServiceID)
		th, tok := p.Therapist(st.TherapistID)
		if !ok || !tok || s.Payment != tori.PayNone {
			t.Fatalf("standing client %s: service %q (%v), therapist %q (%v): want a service paid at the session and a therapist of the example", st.Client.Name, st.ServiceID, ok, st.TherapistID, tok)
		}
		within := false
		for _, span := range th.Hours[st.Weekday] {
			within = within || span.Start <= st.At && st.At+tori.Minute(s.Duration/time.Minute) <= span.End
		}
		if !within {
			t.Errorf("standing client %s: %s at %s is outside %s's hours", st.Client.Name, st.Weekday, st.At, th.Name)
		}
	}
}

// TestPreviewNeverPublicByAccident: the preview started for want of a
// token listens on loopback only: a HTTP_ADDR elsewhere (as in a copied
// .env) stops tori with one line saying how to run it deliberately and
// that a live bot needs the token; tori preview without --listen does the
// same; in a container an empty token is an error, not a preview; bad
// flags say what to write.
func TestPreviewNeverPublicByAccident(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		over map[string]string
		want []string
	}{
		{"AllInterfaces", nil, map[string]string{"HTTP_ADDR": ":8080"},
			[]string{"HTTP_ADDR :8080 is not a loopback address", "tori preview --listen :8080", "a live bot needs TELEGRAM_BOT_TOKEN"}},
		{"Unspecified", nil, map[string]string{"HTTP_ADDR": "0.0.0.0:8080"}, []string{"tori preview --listen 0.0.0.0:8080"}},
		{"UnspecifiedV6", nil, map[string]string{"HTTP_ADDR": "[::]:8080"}, []string{"tori preview --listen [::]:8080"}},
		{"LANAddress", nil, map[string]string{"HTTP_ADDR": "192.168.1.20:8080"}, []string{"tori preview --listen 192.168.1.20:8080"}},
		{"PreviewCommand", []string{"preview"}, map[string]string{"HTTP_ADDR": ":8080"}, []string{"tori preview --listen :8080"}},
		{"InContainer", nil, map[string]string{"TORI_IN_CONTAINER": "1", "HTTP_ADDR": ":8080"},
			[]string{"TELEGRAM_BOT_TOKEN is empty: set it in .env", "in a container tori runs the live bot only"}},
		{"BadListen", []string{"preview", "--listen", "8080"}, nil, []string{`--listen "8080": write host:port or :port`}},
		{"BadPublicURL", []string{"preview", "--public-url", "tori.example.com"}, nil, []string{`--public-url "tori.example.com"`}},
		{"UnknownFlag", []string{"preview", "--open"}, nil, []string{"flag provided but not defined: -open", "tori preview [--listen ADDRESS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"REDIS_URL": storagetest.URL(), "TORI_CONFIG": filepath.Join(t.TempDir(), "tori.yaml")}
			for k, v := range tc.over {
				vars[k] = v
			}
			logs := &syncBuffer{}
			// Bounded: a preview that started anyway stops and is reported.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, tc.args, func(k string) string { return vars[k] }, logs)
			if err == nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error = %v, want %q in it", err, w)
				}
			}
			if strings.Contains(logs.String(), "running the local preview") {
				t.Fatalf("the preview ran:\n%s", logs.String())
			}
		})
	}
}

// TestPreviewDeliberate: tori preview --listen ADDR --public-url URL runs
// there whatever HTTP_ADDR and PUBLIC_URL say, answers only to the names
// it is served under (DNS rebinding), and cuts off a client that drips
// its body.
func TestPreviewDeliberate(t *testing.T) {
	shortTimeouts(t)
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	vars := map[string]string{"HTTP_ADDR": ":8080", "PUBLIC_URL": "https://tori.example.com", "REDIS_URL": storagetest.URL(),
		"TORI_CONFIG": filepath.Join(t.TempDir(), "tori.yaml")}
	args := []string{"preview", "--listen", addr, "--public-url", "http://preview.lan:" + port}
	logs, stop := started(t, args, func(k string) string { return vars[k] }, "Running the local preview at http://preview.lan:"+port+"/preview")
	if strings.Contains(logs.String(), "tori.example.com") {
		t.Fatalf("PUBLIC_URL was used:\n%s", logs.String())
	}

	state := func(host string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/preview/api/state", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, host := range []string{"preview.lan:" + port, "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port} {
		if code, body := state(host); code != 200 || !strings.Contains(body, "Adi Levi Psychotherapy") {
			t.Fatalf("Host %s: %d %s", host, code, body)
		}
	}
	for _, host := range []string{"attacker.example:" + port, "attacker.example", "preview.lan", "localhost:1"} {
		if code, body := state(host); code != http.StatusForbidden || !strings.Contains(body, "does not answer to the name") ||
			strings.Contains(body, "Adi Levi") || strings.Contains(body, "111111111") {
			t.Fatalf("Host %s: %d %s", host, code, body)
		}
	}
	cutOff(t, addr, "localhost:"+port, "/preview/api/send")
	stop()
}
