package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestMain: tori bench -apart starts this test binary as its load process,
// as it starts the tori binary; runMain (cli_test.go) starts it as tori.
func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) != "" {
		main()
		os.Exit(0)
	}
	if spec := os.Getenv(loadEnv); spec != "" {
		if err := runBenchLoad(context.Background(), spec, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "tori:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// syncBuffer is a log sink safe for the program's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// get GETs u and returns the status and body.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// testEnv is the environment of a run against the fake Telegram server and
// the test Redis, with the example practice.
func testEnv(t *testing.T, fake *telegramtest.Server, over map[string]string) func(string) string {
	dir := t.TempDir()
	example, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tori.yaml")
	if err := os.WriteFile(cfg, example, 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := "test:" + tori.RandomToken(8) + ":"
	t.Cleanup(func() { storagetest.DeletePrefix(storagetest.MustRedis(t), prefix) })
	vars := map[string]string{
		"TORI_CONFIG":        cfg,
		"TELEGRAM_BOT_TOKEN": telegramtest.Token,
		"REDIS_URL":          storagetest.URL(),
		"REDIS_PREFIX":       prefix,
		"HTTP_ADDR":          freeAddr(t),
		"METRICS_ADDR":       freeAddr(t),
	}
	if fake != nil {
		vars["TELEGRAM_API_URL"] = fake.URL
	}
	for k, v := range over {
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

func TestRunEndToEnd(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	fake.Open(111111111) // Adi pressed Start once
	getenv := testEnv(t, fake, nil)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, logs) }()

	base := "http://" + getenv("HTTP_ADDR")
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 200: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a server that is starting, with a deadline
	}
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	}
	if err := run(ctx, []string{"health"}, getenv, &syncBuffer{}); err != nil {
		t.Fatalf("tori health: %v", err)
	}
	if !strings.Contains(logs.String(), "connecting to Telegram…") {
		t.Fatalf("no line before connecting to Telegram:\n%s", logs)
	}

	// A client books the video session through Telegram.
	u := telegramtest.User{ID: 555, FirstName: "Dana", LanguageCode: "en"}
	fake.SendText(u, "/start video")
	msgs, err := fake.Wait(555, 10*time.Second, func(ms []telegramtest.Message) bool { return len(ms) == 1 && len(ms[0].Keyboard) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[0].Text, "Video session") {
		t.Fatalf("deep link opened %q", msgs[0].Text)
	}
	if !strings.Contains(fake.Commands("he"), "קביעת פגישה") {
		t.Fatal("Hebrew command menu not registered")
	}

	// A forged button is refused and logged, under a pseudonym: no log
	// line carries a person's Telegram id.
	if _, err := fake.WaitAnswered(fake.PressData(u, msgs[0].ID, "forged:0"), 10*time.Second); err != nil {
		t.Fatal(err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after the signal")
	}
	out := logs.String()
	if strings.Contains(out, telegramtest.Token) || strings.Contains(out, "TEST-token") {
		t.Fatalf("the token was logged:\n%s", out)
	}
	// 555 as a number of its own: a timestamp's nanoseconds may hold the digits.
	if regexp.MustCompile(`\b555\b`).MatchString(out) || !strings.Contains(out, `"user":"id:`) {
		t.Fatalf("a Telegram id was logged, or the refusal not at all:\n%s", out)
	}
	for _, want := range []string{"tori is running", "@" + telegramtest.BotUsername, "stopped"} {
		if !strings.Contains(out, want) {
			t.Fatalf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestRunFailsWithOneClearLine(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	example, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	kwd := filepath.Join(t.TempDir(), "tori.yaml")
	if err := os.WriteFile(kwd, []byte(strings.Replace(strings.ReplaceAll(string(example), "currency: ILS", "currency: KWD"), "    payment: none\n", "    payment: full\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		over map[string]string
		want string
	}{
		{"MetricsAddrTaken", map[string]string{"METRICS_ADDR": taken.Addr().String()}, "METRICS_ADDR " + taken.Addr().String() + ": "},
		{"PayPalCurrency", map[string]string{"TORI_CONFIG": kwd}, "in KWD, a currency PayPal does not take: use one of AUD"},
		{"NoToken", map[string]string{"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather"}, // tori bot
		{"WrongToken", map[string]string{"TELEGRAM_BOT_TOKEN": wrongToken}, "Telegram refused TELEGRAM_BOT_TOKEN"},
		{"TokenNotOfBotFathersForm", map[string]string{"TELEGRAM_BOT_TOKEN": "999:wrong"}, "TELEGRAM_BOT_TOKEN is not a bot token (it has 9 characters): @BotFather gives one like"},
		{"NoRedis", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "Redis at 127.0.0.1:1 db 0 does not answer"},
		{"BadRedisURL", map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL is not a Redis URL"},
		{"NoConfig", map[string]string{"TORI_CONFIG": "/nonexistent/tori.yaml"}, "does not exist: copy tori.example.yaml"},
		{"UnknownCommand", nil, `unknown command "serve"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			switch tt.name {
			case "UnknownCommand":
				args = []string{"serve"}
			case "NoToken": // without a command, no token starts the preview
				args = []string{"bot"}
			}
			logs := &syncBuffer{}
			err := run(context.Background(), args, testEnv(t, fake, tt.over), logs)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line containing %q", err, tt.want)
			}
			if strings.Contains(err.Error()+logs.String(), "999:wrong") || strings.Contains(err.Error()+logs.String(), wrongToken) {
				t.Fatalf("the token leaked: %v %s", err, logs.String())
			}
		})
	}
}

func TestCheckCommand(t *testing.T) {
	logs := &syncBuffer{}
	if err := run(context.Background(), []string{"check"}, testEnv(t, nil, map[string]string{"TELEGRAM_BOT_TOKEN": ""}), logs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "is valid: Adi Levi Psychotherapy, 1 therapist(s), 2 service(s)") {
		t.Fatalf("check said %q", logs.String())
	}
}

func TestRunWithPayPal(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	pp := paypaltest.New()
	defer pp.Close()
	fake.Open(111111111)
	example, _ := os.ReadFile("../../tori.example.yaml")
	paid := strings.Replace(string(example), "    payment: none\n    therapists: [adi]", "    payment: full\n    therapists: [adi]", 1)
	cfg := filepath.Join(t.TempDir(), "tori.yaml")
	if err := os.WriteFile(cfg, []byte(paid), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	base := map[string]string{"TORI_CONFIG": cfg, "HTTP_ADDR": addr}

	t.Run("MissingCredentials", func(t *testing.T) {
		err := run(context.Background(), nil, testEnv(t, fake, base), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are not set") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("BadPublicURL", func(t *testing.T) {
		over := map[string]string{"PAYPAL_CLIENT_ID": paypaltest.ClientID, "PAYPAL_CLIENT_SECRET": paypaltest.Secret, "PUBLIC_URL": "tori.example.com"}
		for k, v := range base {
			over[k] = v
		}
		err := run(context.Background(), nil, testEnv(t, fake, over), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), `PUBLIC_URL "tori.example.com" is not this server's public address`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("BadVerifyBound", func(t *testing.T) {
		over := map[string]string{"PAYPAL_CLIENT_ID": paypaltest.ClientID, "PAYPAL_CLIENT_SECRET": paypaltest.Secret,
			"PUBLIC_URL": "http://" + addr, "PAYPAL_WEBHOOK_VERIFY_PER_MINUTE": "lots"}
		for k, v := range base {
			over[k] = v
		}
		err := run(context.Background(), nil, testEnv(t, fake, over), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), `PAYPAL_WEBHOOK_VERIFY_PER_MINUTE "lots": use a number of calls from 1 to 6000`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Serves", func(t *testing.T) {
		over := map[string]string{"PAYPAL_CLIENT_ID": paypaltest.ClientID, "PAYPAL_CLIENT_SECRET": paypaltest.Secret,
			"PAYPAL_API_BASE": pp.URL, "PAYPAL_WEBHOOK_ID": paypaltest.WebhookID, "PUBLIC_URL": "http://" + addr,
			"PAYPAL_WEBHOOK_VERIFY_PER_MINUTE": "3", "METRICS_ADDR": freeAddr(t)}
		for k, v := range base {
			over[k] = v
		}
		logs := &syncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil, testEnv(t, fake, over), logs) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/paypal/return?token=NOPE")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 404 || !strings.Contains(string(body), "התשלום לא נמצא") {
					t.Fatalf("unknown order page: %d %s", resp.StatusCode, body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("never served: %v\n%s", err, logs.String())
			}
			time.Sleep(20 * time.Millisecond) // polling a server that is starting, with a deadline
		}
		post := func(req *http.Request) *http.Response {
			t.Helper()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		hook := "http://" + addr + "/paypal/webhook"
		// Without PayPal's transmission headers: 400, and PayPal is not asked.
		for range 20 {
			bare, _ := http.NewRequest(http.MethodPost, hook, strings.NewReader(`{"id":"WH-1","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"ORDER-X"}}`))
			if resp := post(bare); resp.StatusCode != 400 {
				t.Fatalf("a webhook without PayPal's headers: %d", resp.StatusCode)
			}
		}
		if n := pp.Calls("verify"); n != 0 {
			t.Fatalf("PayPal's verify API called %d times for requests without its headers", n)
		}
		// A genuine signed webhook is handled (its order is unknown here).
		req, _ := pp.Webhook(hook, "CHECKOUT.ORDER.APPROVED", map[string]any{"id": "ORDER-X"}, false)
		if resp := post(req); resp.StatusCode != 200 {
			t.Fatalf("a genuine webhook: %d", resp.StatusCode)
		}
		req, _ = pp.Webhook(hook, "CHECKOUT.ORDER.APPROVED", map[string]any{"id": "ORDER-X"}, true)
		if resp := post(req); resp.StatusCode != 400 {
			t.Fatalf("forged webhook: %d", resp.StatusCode)
		}
		// A flood of well-formed forgeries: three verified a minute (one
		// left), the rest refused with 429 and not sent to PayPal.
		statuses := map[int]int{}
		for range 10 {
			req, _ := pp.Webhook(hook, "CHECKOUT.ORDER.APPROVED", map[string]any{"id": "ORDER-X"}, true)
			resp := post(req)
			statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
		if statuses[400] != 1 || statuses[429] != 9 || pp.Calls("verify") != 3 {
			t.Fatalf("flood answered %v with %d verify calls, want one 400, nine 429 and 3 calls", statuses, pp.Calls("verify"))
		}
		_, body := get(t, "http://"+over["METRICS_ADDR"]+"/metrics")
		for _, want := range []string{`tori_paypal_webhook_refused_total{reason="headers"}`, `tori_paypal_webhook_refused_total{reason="limit"}`,
			`tori_paypal_webhook_refused_total{reason="signature"}`, `tori_paypal_webhook_verifications_total{result="success"}`} {
			if !strings.Contains(body, want) {
				t.Fatalf("/metrics lacks %s", want)
			}
		}
		// 31 refusals, summed up in the log rather than told one by one.
		if n := strings.Count(logs.String(), "PayPal webhook requests refused"); n < 1 || n > 2 {
			t.Fatalf("%d summary lines for 31 refusals:\n%s", n, logs.String())
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), paypaltest.Secret) {
			t.Fatal("the PayPal secret was logged")
		}
	})
}

// TestRunModes: `tori worker` does not poll Telegram; `tori bot` does, and
// runs no worker.
func TestRunModes(t *testing.T) {
	for _, mode := range []string{"worker", "bot"} {
		t.Run(mode, func(t *testing.T) {
			fake := telegramtest.New()
			defer fake.Close()
			logs := &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, []string{mode}, testEnv(t, fake, nil), logs) }()
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), "tori is running") {
				if time.Now().After(deadline) {
					t.Fatalf("did not start:\n%s", logs.String())
				}
				time.Sleep(10 * time.Millisecond) // polling a process that is starting, with a deadline
			}
			if mode == "bot" {
				fake.SendText(telegramtest.User{ID: 5, FirstName: "A"}, "/help")
				if _, err := fake.Wait(5, 10*time.Second, func(ms []telegramtest.Message) bool { return len(ms) == 1 }); err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			polled := false
			for _, c := range fake.Calls() {
				polled = polled || c.Method == "getUpdates"
			}
			out := logs.String()
			switch mode {
			case "worker":
				if polled || !strings.Contains(out, `"polling":false,"webhook":false,"worker":true`) {
					t.Fatalf("polled=%v\n%s", polled, out)
				}
			case "bot":
				if !polled || !strings.Contains(out, `"polling":true,"webhook":false,"worker":false`) {
					t.Fatalf("polled=%v\n%s", polled, out)
				}
			}
		})
	}
}

// TestRunWebhookMode: `tori bot --webhook` registers the webhook with its
// secret instead of polling, serves it (403 to a wrong secret), and serves
// /metrics at METRICS_ADDR (404 on the public listener); without a secret
// it says what to set.
func TestRunWebhookMode(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	fake.Open(5)
	over := map[string]string{"PUBLIC_URL": "https://tori.example.com", "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-123"}
	getenv := testEnv(t, fake, over)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"bot", "--webhook"}, getenv, logs) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "tori is running") {
		if time.Now().After(deadline) {
			t.Fatalf("did not start:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a process that is starting, with a deadline
	}
	if h := fake.Hook(); h.URL != "https://tori.example.com/telegram/webhook" || h.Secret != "abc_DEF-123" || h.MaxConnections != 40 {
		t.Fatalf("webhook %+v", h)
	}
	base := "http://" + getenv("HTTP_ADDR")
	update := `{"update_id":424242,"message":{"message_id":1,"date":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},"text":"/help"}}`
	send := func(sec string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/telegram/webhook", strings.NewReader(update))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", sec)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("wrong"); code != http.StatusForbidden {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := send("abc_DEF-123"); code != http.StatusOK {
		t.Fatalf("right secret: %d", code)
	}
	if ms := fake.Messages(5); len(ms) != 1 {
		t.Fatalf("answers: %d", len(ms))
	}
	if code, body := get(t, base+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "tori_") {
		t.Fatalf("/metrics on the public listener: %d\n%s", code, body)
	}
	if code, body := get(t, "http://"+getenv("METRICS_ADDR")+"/metrics"); code != 200 ||
		!strings.Contains(body, `tori_queue_depth{queue="remind"}`) || !strings.Contains(body, "tori_update_seconds") {
		t.Fatalf("/metrics at METRICS_ADDR: %d\n%s", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, c := range fake.Calls() {
		if c.Method == "getUpdates" {
			t.Fatal("polled in webhook mode")
		}
	}
	over["TELEGRAM_WEBHOOK_SECRET"] = ""
	err := run(context.Background(), []string{"bot", "--webhook"}, testEnv(t, fake, over), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_WEBHOOK_SECRET") {
		t.Fatalf("without a secret: %v", err)
	}

	// A process started without --webhook does not take the updates from
	// the webhook replicas: it says what to do and stops.
	err = run(context.Background(), []string{"bot"}, testEnv(t, fake, nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "this bot has a webhook (https://tori.example.com/telegram/webhook)") ||
		!strings.Contains(err.Error(), "TELEGRAM_WEBHOOK=false") || fake.Hook().URL == "" {
		t.Fatalf("polling while a webhook is set: %v (webhook %+v)", err, fake.Hook())
	}
	// TELEGRAM_WEBHOOK=false says to switch back to polling.
	logs = &syncBuffer{}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		done <- run(ctx, []string{"bot"}, testEnv(t, fake, map[string]string{"TELEGRAM_WEBHOOK": "false"}), logs)
	}()
	for !strings.Contains(logs.String(), "tori is running") {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("did not start:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a process that is starting, with a deadline
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if fake.Hook().URL != "" || !strings.Contains(logs.String(), "webhook removed") {
		t.Fatalf("the webhook was not removed: %+v\n%s", fake.Hook(), logs.String())
	}
}

// TestBench: tori bench books every client through the whole flow, with
// payment, and prints the figures; bad flags say what to write.
func TestBench(t *testing.T) {
	var out bytes.Buffer
	if err := runBench(context.Background(), []string{"-clients", "4,12", "-think", "0", "-arrive", "0"}, os.Getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"bookings/s", "updates/s", "p99.9"} {
		if !strings.Contains(got, want) {
			t.Fatalf("no %q in:\n%s", want, got)
		}
	}
	for _, n := range []string{"4", "12"} {
		if !regexp.MustCompile(`(?m)^\s+` + n + `\s+` + n + `\s`).MatchString(got) {
			t.Fatalf("not all %s clients booked:\n%s", n, got)
		}
	}
	if strings.Contains(got, "did not finish") {
		t.Fatal(got)
	}
	if err := runBench(context.Background(), []string{"-clients", "ten"}, os.Getenv, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "write numbers from 1 to 100000") {
		t.Fatalf("bad -clients: %v", err)
	}

	// Second by second, and the three profiles: every update counted once
	// in some second, and each file written.
	dir := t.TempDir()
	out.Reset()
	args := []string{"-clients", "3", "-think", "0", "-arrive", "0", "-by-second",
		"-cpuprofile", dir + "/cpu", "-memprofile", dir + "/mem", "-trace", dir + "/trace"}
	if err := runBench(context.Background(), args, os.Getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	secs := regexp.MustCompile(`(\d+) updates, handling p50`).FindAllStringSubmatch(out.String(), -1)
	sum := 0
	for _, m := range secs {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	// A booking is at least five updates (/start, a therapist, a day, a
	// time, confirm) and at most the bench's 31.
	if sum < 3*5 || sum > 3*31 {
		t.Fatalf("the seconds count %d updates for 3 bookings:\n%s", sum, out.String())
	}
	for _, f := range []string{"cpu", "mem", "trace"} {
		if fi, err := os.Stat(dir + "/" + f); err != nil || fi.Size() == 0 {
			t.Fatalf("%s profile: %v", f, err)
		}
	}

	// -apart: the clients and the fake servers in a process of their own,
	// and every one of them booked.
	out.Reset()
	if err := runBench(context.Background(), []string{"-clients", "6", "-think", "0", "-arrive", "0", "-apart"}, os.Getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "in a second process") || !regexp.MustCompile(`(?m)^\s+6\s+6\s`).MatchString(out.String()) ||
		strings.Contains(out.String(), "did not finish") {
		t.Fatalf("-apart:\n%s", out.String())
	}
	if err := runBenchLoad(context.Background(), "1000", strings.NewReader(""), io.Discard); err == nil || !strings.Contains(err.Error(), "unset it") {
		t.Fatalf("TORI_BENCH_LOAD set by someone else: %v", err)
	}

	err := runBench(context.Background(), []string{"-clients", "1", "-memprofile", dir + "/no/such/dir/mem"}, os.Getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-memprofile") || !strings.Contains(err.Error(), "directory that exists") {
		t.Fatalf("a profile file that cannot be made: %v", err)
	}
}

func TestLogsCarryNoTelegramIDs(t *testing.T) {
	line := func(env map[string]string, attrs ...any) string {
		var b strings.Builder
		newLogger(&b, func(k string) string { return env[k] }).Warn("x", attrs...)
		return b.String()
	}
	keyed := map[string]string{"TORI_DATA_KEY": "a key"}
	a := line(keyed, "chat", int64(5987134602), "user", int64(5987134602), "update", 7)
	if strings.Contains(a, "5987134602") || !strings.Contains(a, `"update":7`) {
		t.Fatalf("a Telegram id was logged as it is (or another attribute changed): %s", a)
	}
	if b := line(keyed, "chat", int64(5987134602)); !strings.Contains(a, b[strings.Index(b, `"chat"`):len(b)-2]) {
		t.Fatalf("the same key gives another pseudonym: %s and %s", a, b)
	}
	if c := line(map[string]string{"TORI_DATA_KEY": "another"}, "chat", int64(5987134602)); strings.Contains(a, c[strings.Index(c, `"chat"`):len(c)-2]) {
		t.Fatalf("another key gives the same pseudonym: %s and %s", a, c)
	}
}
