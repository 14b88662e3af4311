//go:build faults

package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// binary is the tori binary built with -tags faults, once for the suite.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tori-faults")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tori")
	build := exec.Command("go", "build", "-tags", "faults", "-o", binary, "../cmd/tori")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tori:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const secret = "fault_suite_secret"

// world is a deployment under test: Redis, the fakes of Telegram and
// PayPal, a round-robin load balancer in front of the bot processes
// (PUBLIC_URL), and the tori processes themselves.
type world struct {
	t     testing.TB
	redis *storagetest.Server
	db    int
	rdb   *redis.Client
	store *storage.Store
	tg    *telegramtest.Server
	pp    *paypaltest.Server
	lb    *httptest.Server
	cfg   string

	mu    sync.Mutex
	bots  []*proc // behind the load balancer
	procs []*proc
	next  atomic.Int64
}

// proc is one tori process.
type proc struct {
	name string
	args []string
	env  []string
	addr string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}

	served atomic.Int64 // requests the load balancer gave it
}

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

func newWorld(t *testing.T, redisOpts ...storagetest.ServerOption) *world {
	t.Helper()
	w := &world{t: t, redis: storagetest.StartServer(t, redisOpts...)}
	w.rdb = w.redis.Client()
	w.store = storage.New(w.rdb, "tori:")
	w.tg = telegramtest.New()
	t.Cleanup(w.tg.Close)
	w.tg.RetryDelay = 200 * time.Millisecond
	for _, id := range []int64{9001, 9002} {
		w.tg.Open(id)
	}
	w.pp = paypaltest.New()
	t.Cleanup(w.pp.Close)
	w.lb = httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target := w.pick()
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			http.Error(rw, "bad gateway: "+err.Error(), http.StatusBadGateway)
		},
	})
	t.Cleanup(w.lb.Close)
	w.cfg = filepath.Join(t.TempDir(), "practice.yaml")
	raw, err := os.ReadFile("testdata/practice.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.cfg, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.stopAll)
	return w
}

// pick is the load balancer's round robin over the bot processes alive.
func (w *world) pick() *url.URL {
	w.mu.Lock()
	defer w.mu.Unlock()
	var alive []*proc
	for _, p := range w.bots {
		if p.running() {
			alive = append(alive, p)
		}
	}
	if len(alive) == 0 {
		return &url.URL{Scheme: "http", Host: "127.0.0.1:1"} // refused: 502
	}
	p := alive[int(w.next.Add(1))%len(alive)]
	p.served.Add(1)
	return &url.URL{Scheme: "http", Host: p.addr}
}

func (p *proc) running() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (w *world) env(addr string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TORI_CONFIG=" + w.cfg,
		"REDIS_URL=" + w.redis.URL(),
		"TELEGRAM_BOT_TOKEN=" + telegramtest.Token,
		"TELEGRAM_API_URL=" + w.tg.URL,
		"TELEGRAM_WEBHOOK_SECRET=" + secret,
		"TELEGRAM_RATE=30",
		"PUBLIC_URL=" + w.lb.URL,
		"PAYPAL_CLIENT_ID=" + paypaltest.ClientID,
		"PAYPAL_CLIENT_SECRET=" + paypaltest.Secret,
		"PAYPAL_API_BASE=" + w.pp.URL,
		"PAYPAL_WEBHOOK_ID=" + paypaltest.WebhookID,
		"HTTP_ADDR=" + addr,
		"METRICS_ADDR=off", // several processes on one machine; the suite reads no metrics
		"LOG_FORMAT=json",
		"LOG_LEVEL=warn",
	}
	return append(env, extra...)
}

// bot starts a `tori bot --webhook` process behind the load balancer.
func (w *world) bot(name string, extra ...string) *proc {
	w.t.Helper()
	p := &proc{name: name, args: []string{"bot", "--webhook"}, addr: freeAddr(w.t)}
	p.env = w.env(p.addr, extra...)
	w.start(p)
	w.mu.Lock()
	w.bots = append(w.bots, p)
	w.mu.Unlock()
	return p
}

// worker starts a `tori worker` process.
func (w *world) worker(name string, extra ...string) *proc {
	w.t.Helper()
	p := &proc{name: name, args: []string{"worker"}, addr: freeAddr(w.t)}
	p.env = w.env(p.addr, extra...)
	w.start(p)
	return p
}

// workerDying starts a `tori worker` process that is to die at fault
// point at once (its first retention pass runs as it starts), so it is
// not waited for to be ready.
func (w *world) workerDying(name, point string) *proc {
	w.t.Helper()
	p := &proc{name: name, args: []string{"worker"}, addr: freeAddr(w.t)}
	p.env = w.env(p.addr, "TORI_FAULT="+point)
	w.launch(p)
	return p
}

func (w *world) start(p *proc) {
	w.t.Helper()
	w.launch(p)
	// Ready when it serves /readyz.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if !p.running() || time.Now().After(deadline) {
			w.t.Fatalf("%s did not start:\n%s", p.name, p.log.String())
		}
		time.Sleep(50 * time.Millisecond) // polling a starting process, with a deadline
	}
}

// launch starts p's process.
func (w *world) launch(p *proc) {
	w.t.Helper()
	p.log = &syncBuffer{}
	p.cmd = exec.Command(binary, p.args...)
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(p.cmd, p.done)
	w.mu.Lock()
	w.procs = append(w.procs, p)
	w.mu.Unlock()
}

// kill ends p at once, as kill -9.
func (p *proc) kill() {
	if p.running() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// restart starts p again, without the fault point (and with extra).
func (w *world) restart(p *proc, extra ...string) {
	w.t.Helper()
	p.kill()
	var env []string
	for _, e := range p.env {
		if !strings.HasPrefix(e, "TORI_FAULT=") {
			env = append(env, e)
		}
	}
	p.env = append(env, extra...)
	w.start(p)
}

// waitExit waits until p ends by itself (a fault point), or fails.
func (w *world) waitExit(p *proc, within time.Duration) {
	w.t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		w.t.Fatalf("%s did not die at its fault point:\n%s", p.name, p.log.String())
	}
}

func (w *world) stopAll() {
	w.mu.Lock()
	procs := append([]*proc(nil), w.procs...)
	w.mu.Unlock()
	for _, p := range procs {
		if p.running() {
			_ = p.cmd.Process.Signal(os.Interrupt)
		}
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			p.kill()
		}
		if w.t.Failed() {
			w.t.Logf("%s log:\n%s", p.name, tail(p.log.String(), 4000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// client is one person chatting with the bot through the fake Telegram.
type client struct {
	w *world
	u telegramtest.User
}

func (w *world) client(id int64) *client {
	return &client{w: w, u: telegramtest.User{ID: id, FirstName: "Client" + strconv.FormatInt(id, 10), LanguageCode: "en"}}
}

// last is the chat's latest message (files aside).
func (c *client) last() (telegramtest.Message, int) { return c.w.tg.Latest(c.u.ID) }

// act sends an update and waits for the bot's answer (a new message or an
// edit of the latest).
func (c *client) act(send func(), within time.Duration) (telegramtest.Message, error) {
	if err := c.w.tg.Act(c.u.ID, within, send); err != nil {
		return telegramtest.Message{}, err
	}
	m, _ := c.last()
	return m, nil
}

func (c *client) say(text string) (telegramtest.Message, error) {
	return c.act(func() { c.w.tg.SendText(c.u, text) }, 30*time.Second)
}

// press taps a button and waits until the bot answered the tap and edited
// the message (an edit to what it already says changes nothing, as in
// Telegram: then the message as it is).
func (c *client) press(m telegramtest.Message, data string) (telegramtest.Message, error) {
	return c.pressWithin(m, data, 5*time.Second)
}

// pressWithin is press, taking an answer with no edit as the message as
// it is only after within: under the race's load an edit may wait longer
// than press's 5 s for its turn to go out.
func (c *client) pressWithin(m telegramtest.Message, data string, within time.Duration) (telegramtest.Message, error) {
	var qid string
	_, err := c.act(func() { qid = c.w.tg.PressData(c.u, m.ID, data) }, within)
	if err == nil {
		last, _ := c.last()
		return last, nil
	}
	if _, aerr := c.w.tg.WaitAnswered(qid, 30*time.Second); aerr != nil {
		return telegramtest.Message{}, fmt.Errorf("%v; %v", err, aerr)
	}
	last, _ := c.last()
	return last, nil
}

// changed waits until message id no longer says text, and returns it.
func (c *client) changed(id int, text string) (telegramtest.Message, error) {
	var out telegramtest.Message
	_, err := c.w.tg.Wait(c.u.ID, 30*time.Second, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if m.ID == id && m.Text != text {
				out = m
				return true
			}
		}
		return false
	})
	return out, err
}

// button finds the callback data of a button whose data starts with prefix.
func button(m telegramtest.Message, prefix string) (string, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return b.CallbackData, true
			}
		}
	}
	return "", false
}

func urlButton(m telegramtest.Message) string {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.URL != "" {
				return b.URL
			}
		}
	}
	return ""
}

// timeData is the callback data that holds start for service with therapist.
func timeData(service, therapist string, start time.Time) string {
	return "t:" + service + ":" + therapist + ":" + strconv.FormatInt(start.Unix()/60, 36)
}

var browser = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}

// visit is the buyer's browser: it follows redirects and returns the page.
func visit(u string) (int, string, error) {
	resp, err := browser.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

// day is a day of next week at hm in the practice's zone.
func day(offset int, hm string) time.Time {
	loc, _ := time.LoadLocation("Asia/Jerusalem")
	now := time.Now().In(loc)
	h, _ := strconv.Atoi(hm[:2])
	m, _ := strconv.Atoi(hm[3:])
	d := time.Date(now.Year(), now.Month(), now.Day()+offset, h, m, 0, 0, loc)
	return d
}

// appointments reads every appointment from Redis.
func (w *world) appointments() []tori.Appointment {
	w.t.Helper()
	ctx := context.Background()
	var out []tori.Appointment
	iter := w.rdb.Scan(ctx, 0, "tori:{t:*}:a:*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		id := key[strings.LastIndex(key, ":a:")+3:]
		a, err := w.store.Appointment(ctx, id)
		if err != nil {
			w.t.Fatalf("appointment %s: %v", id, err)
		}
		out = append(out, a)
	}
	if err := iter.Err(); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// checkNoOverlap: no two live bookings (or live holds) of a therapist
// overlap, buffers included.
func (w *world) checkNoOverlap(as []tori.Appointment) int {
	w.t.Helper()
	live := map[string][]tori.Appointment{}
	now := time.Now()
	for _, a := range as {
		if a.Status == tori.StatusConfirmed || a.Status == tori.StatusHeld && a.HoldUntil.After(now) {
			live[a.TherapistID] = append(live[a.TherapistID], a)
		}
	}
	n := 0
	for tid, list := range live {
		for i, a := range list {
			if a.Status == tori.StatusConfirmed {
				n++
			}
			for _, b := range list[i+1:] {
				if a.Start.Before(b.BlockEnd()) && b.Start.Before(a.BlockEnd()) {
					w.t.Errorf("therapist %s: %s (%s %s–%s) overlaps %s (%s %s–%s)", tid,
						a.ID, a.Status, a.Start.Format("Jan 2 15:04"), a.BlockEnd().Format("15:04"),
						b.ID, b.Status, b.Start.Format("Jan 2 15:04"), b.BlockEnd().Format("15:04"))
				}
			}
		}
	}
	return n
}

// checkMoney: every confirmed paid booking has its order captured once,
// for what it owed; every capture at PayPal belongs to a paid booking or
// is refunded in full; no refund was issued twice.
func (w *world) checkMoney(as []tori.Appointment) (paid int) {
	w.t.Helper()
	byOrder := map[string]tori.Appointment{}
	for _, a := range as {
		if a.OrderID != "" {
			byOrder[a.OrderID] = a
		}
		if a.Status != tori.StatusConfirmed || a.Due.Amount == 0 {
			continue
		}
		paid++
		o, ok := w.pp.Order(a.OrderID)
		if !ok || o.Capture == nil || o.Capture.Status != "COMPLETED" {
			w.t.Errorf("confirmed paid booking %s: PayPal order %s has no completed capture (%+v)", a.ID, a.OrderID, o)
			continue
		}
		if a.PayState != tori.PayStatePaid || a.CaptureID != o.Capture.ID || a.Paid != a.Due {
			w.t.Errorf("booking %s: recorded %s capture %s paid %v, PayPal captured %s of %v", a.ID, a.PayState, a.CaptureID, a.Paid, o.Capture.ID, a.Due)
		}
	}
	for _, id := range w.pp.Orders() {
		o, _ := w.pp.Order(id)
		if o.Capture == nil {
			continue
		}
		a, ok := byOrder[id]
		refunds := w.pp.Refunds(o.Capture.ID)
		if len(refunds) > 1 {
			w.t.Errorf("order %s: %d refunds at PayPal: %+v", id, len(refunds), refunds)
		}
		switch {
		case !ok:
			w.t.Errorf("PayPal captured order %s, which no appointment has", id)
		case a.Status == tori.StatusConfirmed:
		case a.RefundState == tori.RefundRefunded && len(refunds) == 1:
		case a.RefundState == tori.RefundPending:
			w.t.Errorf("appointment %s (%s): refund still pending", a.ID, a.Status)
		case a.Status == tori.StatusCancelledByClient && a.RefundDue.Amount == 0:
		default:
			w.t.Errorf("order %s captured, but appointment %s is %s, refund %s (%d at PayPal)", id, a.ID, a.Status, a.RefundState, len(refunds))
		}
	}
	return paid
}
