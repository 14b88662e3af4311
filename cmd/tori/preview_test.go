package main

import (
	"context"
	"io"
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
// says where and that nothing leaves the machine), and stops cleanly;
// tori preview runs it with a token too.
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
				"TORI_CONFIG": filepath.Join(t.TempDir(), "tori.yaml")}
			logs := &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel) // also when the test fails before it stops the preview
			done := make(chan error, 1)
			go func() { done <- run(ctx, tc.args, func(k string) string { return vars[k] }, logs) }()
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(logs.String(), "/preview — nothing leaves this machine") {
				if time.Now().After(deadline) {
					cancel()
					t.Fatalf("no preview line in the log:\n%s", logs.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !strings.Contains(logs.String(), tc.says) || !strings.Contains(logs.String(), "the preview shows the example practice") {
				t.Fatalf("log:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "123:abc") {
				t.Fatalf("the token was logged:\n%s", logs.String())
			}
			resp, err := http.Get("http://" + addr + "/preview/api/state")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "Adi Levi Psychotherapy") {
				t.Fatalf("state %d: %s", resp.StatusCode, body)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the preview did not stop")
			}
		})
	}
}

// TestPreviewExamplePractice: without a tori.yaml the preview shows the
// example practice with its video session prepaid, so paying can be seen.
func TestPreviewExamplePractice(t *testing.T) {
	p, err := previewPractice(filepath.Join(t.TempDir(), "tori.yaml"), newLogger(io.Discard, func(string) string { return "" }))
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
}
