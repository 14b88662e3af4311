package telegram_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestRedisFullKeepsTheFlow: Redis reaches its maxmemory (OOM) while a
// client is at the summary of a booking. Their Confirm is answered "try
// again in a moment", as an alert, in the language they chose (Hebrew,
// though their Telegram speaks English), and the summary stays as it was,
// Confirm button and all; once memory is freed, the same button books (or,
// prepaid, shows the pay button of one PayPal order).
func TestRedisFullKeepsTheFlow(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		summary                 func(*tgUser)
		confirm, tryAgain, done string
	}{
		{"Hebrew", func(u *tgUser) {
			u.say("/language").press("עברית")
			u.say("/start talk").press("Adi Levi").press("ג׳ 1/12").press("10:00").sees("בדקו בבקשה את פרטי התור")
		}, "אישור התור", "נסו שוב בעוד רגע", "התור נקבע."},
		{"Prepaid", func(u *tgUser) {
			u.say("/start intake").press("Thu 3/12").press("10:00").sees("Tap Confirm to pay")
		}, "Confirm and pay", "try again in a moment", "Pay to confirm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, srv := startOnSmallRedis(t)
			dana := l.user(101, "Dana", "en")
			tc.summary(dana)

			free := srv.Fill()
			if answer := dana.pressRefused(tc.confirm); !strings.Contains(answer, tc.tryAgain) {
				t.Fatalf("%q while Redis is full was answered %q", tc.confirm, answer)
			}
			free()
			dana.press(tc.confirm).sees(tc.done)
			if n := len(l.pp.Orders()); n > 1 {
				t.Fatalf("%d PayPal orders", n)
			}
			noOutageFaults(t, l)
		})
	}
}

// TestRedisFullTypedCommand: a command typed while Redis is full (/cancel
// at the summary, which lets go of the hold) gets "try again in a moment",
// not "something went wrong", and the hold stays; once memory is freed the
// same command does what it says.
func TestRedisFullTypedCommand(t *testing.T) {
	l, srv := startOnSmallRedis(t)
	omer := l.user(102, "Omer", "en")
	omer.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").sees("held for you until")

	free := srv.Fill()
	omer.say("/cancel").sees("try again in a moment")
	free()
	omer.say("/cancel").sees("Nothing was booked")
	noOutageFaults(t, l)
}

// TestRedisFullTelegramWebhook: in webhook mode, an update whose claim
// Redis refuses for want of memory is answered 503, so Telegram delivers it
// again, and it is handled, once, when memory is freed.
func TestRedisFullTelegramWebhook(t *testing.T) {
	l, srv := startOnSmallRedis(t)
	hook := httptest.NewServer(l.tg.WebhookHandler(secret))
	t.Cleanup(hook.Close)
	if err := l.tg.SetWebhook(context.Background(), hook.URL+telegram.WebhookPath, secret, 40); err != nil {
		t.Fatal(err)
	}
	omer := l.user(102, "Omer", "en")
	omer.say("/help").sees("How booking works")

	free := srv.Fill()
	id := l.fake.SendText(omer.u, "/my")
	if p := waitPost(t, l.fake, id, 0); p.Status != http.StatusServiceUnavailable {
		t.Fatalf("an update Redis could not claim was answered %d, want 503", p.Status)
	}
	free()
	omer.sees("no upcoming bookings")
	waitPost(t, l.fake, id, http.StatusOK)
	answered := 0
	for _, p := range l.fake.Posts() {
		switch {
		case p.UpdateID != id:
		case p.Status == http.StatusOK:
			answered++
		case p.Status != http.StatusServiceUnavailable:
			t.Fatalf("a delivery during the outage was answered %d", p.Status)
		}
	}
	if n := len(l.fake.Messages(102)); answered != 1 || n != 2 {
		t.Fatalf("the update was answered 200 %d times and the chat has %d messages; want 1 and 2 (help, then my)", answered, n)
	}
	noOutageFaults(t, l)
}

// TestRedisFullPayPalWebhook: Redis fills up between the claim of PayPal's
// webhook event and its recording: the webhook is answered 503 and nothing
// is captured, so PayPal delivers it again; delivered again once memory is
// freed, it captures once and books.
func TestRedisFullPayPalWebhook(t *testing.T) {
	srv := storagetest.StartServer(t, storagetest.Small)
	rdb := srv.Client()
	fill := &fillAfterClaim{srv: srv}
	rdb.AddHook(fill)
	l := startLiveOn(t, storage.New(rdb, "tori:"))
	dana := l.user(101, "Dana", "en")
	dana.say("/start intake").press("Thu 3/12").press("10:00").press("Confirm and pay").sees("Pay to confirm")
	_, approve := dana.payButton()
	order := l.orderOf(approve)
	if err := l.pp.Approve(order); err != nil {
		t.Fatal(err)
	}

	fill.armed.Store(true)
	req, event := l.pp.Webhook(l.web.URL+"/paypal/webhook", payments.EventOrderApproved, l.pp.OrderResource(order), false)
	if code := send(t, req); code != http.StatusServiceUnavailable {
		t.Fatalf("a webhook Redis could not record was answered %d, want 503", code)
	}
	if fill.free == nil {
		t.Fatal("Redis was not filled after the event's claim")
	}
	if n := l.pp.Calls("capture"); n != 0 {
		t.Fatalf("%d captures while Redis was full", n)
	}
	fill.free()
	if code := send(t, l.pp.WebhookWithID(l.web.URL+"/paypal/webhook", event, payments.EventOrderApproved, l.pp.OrderResource(order), false)); code != http.StatusOK {
		t.Fatalf("the webhook delivered again was answered %d", code)
	}
	l.waitChat(101, "confirmation", lastHas("You're booked."))
	if n := l.pp.Calls("capture"); n != 1 {
		t.Fatalf("%d captures", n)
	}
	noOutageFaults(t, l)
}

// TestRedisFullPaymentReturn: the buyer comes back from PayPal while Redis
// is full: the page says our records could not be reached (not PayPal) and
// checks again by itself; nothing is captured until memory is freed, and
// then once.
func TestRedisFullPaymentReturn(t *testing.T) {
	l, srv := startOnSmallRedis(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start intake").press("Thu 3/12").press("10:00").press("Confirm and pay").sees("Pay to confirm")
	_, approve := dana.payButton()

	free := srv.Fill()
	status, page := l.visit(approve) // approve at PayPal, come back
	if status != http.StatusServiceUnavailable || !strings.Contains(page, "Our booking records could not be reached just now") || l.pp.Calls("capture") != 0 {
		t.Fatalf("return while Redis is full: %d, %d captures:\n%s", status, l.pp.Calls("capture"), page)
	}
	free()
	if status, page := l.visit(l.web.URL + "/paypal/return?token=" + l.orderOf(approve)); status != http.StatusOK || !strings.Contains(page, "Paid") {
		t.Fatalf("return once memory is freed: %d\n%s", status, page)
	}
	l.waitChat(101, "confirmation", lastHas("You're booked."))
	if n := l.pp.Calls("capture"); n != 1 {
		t.Fatalf("%d captures", n)
	}
	noOutageFaults(t, l)
}

// fillAfterClaim fills the server, once armed, right after a PayPal event's
// claim is written.
type fillAfterClaim struct {
	srv   *storagetest.Server
	armed atomic.Bool
	free  func()
}

func (f *fillAfterClaim) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f *fillAfterClaim) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if key, _ := cmd.Args()[1%len(cmd.Args())].(string); err == nil && cmd.Name() == "set" && strings.HasPrefix(key, "tori:seen:pp:") && f.armed.CompareAndSwap(true, false) {
			f.free = f.srv.Fill()
		}
		return err
	}
}

func (f *fillAfterClaim) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// send makes an HTTP request and returns the status.
func send(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitPost waits for the fake's first webhook delivery of update id that
// was answered status (any, for 0).
func waitPost(t *testing.T, fake *telegramtest.Server, id int64, status int) telegramtest.Post {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, p := range fake.Posts() {
			if p.UpdateID == id && (status == 0 || p.Status == status) {
				return p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("update %d was not delivered (answered %d) in %s", id, status, wait)
	return telegramtest.Post{}
}

// noOutageFaults fails the test if the bot logged Redis being out of memory
// as a fault (ERROR) rather than as an outage.
func noOutageFaults(t *testing.T, l *live) {
	t.Helper()
	for _, line := range l.logs.With("level=ERROR", "maxmemory") {
		t.Errorf("an outage logged as a fault: %s", line)
	}
}

// startOnSmallRedis is startLive over a redis-server of the test's own
// with a 2 MB maxmemory, for the test to fill.
func startOnSmallRedis(t *testing.T) (*live, *storagetest.Server) {
	t.Helper()
	srv := storagetest.StartServer(t, storagetest.Small)
	return startLiveOn(t, storage.New(srv.Client(), "tori:")), srv
}

// pressRefused taps label on the latest message when the bot cannot act on
// it this moment: the press must be answered with an alert, whose text it
// returns, and the message left as it was, with no message after it. (A tap
// on a label that does nothing, handled after the first since updates of a
// chat are handled in order, marks the end of its handling.)
func (c *tgUser) pressRefused(label string) string {
	c.l.t.Helper()
	before := c.l.fake.Messages(c.u.ID)
	msg, _ := c.l.fake.Latest(c.u.ID)
	qid, err := c.l.fake.Press(c.u, msg, label)
	if err != nil {
		c.l.t.Fatal(err)
	}
	answer, err := c.l.fake.WaitAnswered(qid, wait)
	if err != nil {
		c.l.t.Fatal(err)
	}
	if !c.l.fake.Alerted(qid) {
		c.l.t.Fatalf("%q was answered %q, not with an alert", label, answer)
	}
	if _, err := c.l.fake.WaitAnswered(c.l.fake.PressData(c.u, msg.ID, "n"), wait); err != nil {
		c.l.t.Fatal(err)
	}
	after := c.l.fake.Messages(c.u.ID)
	i := slices.IndexFunc(after, func(m telegramtest.Message) bool { return m.ID == msg.ID })
	if len(after) != len(before) || i < 0 || after[i].Edits != msg.Edits {
		c.l.t.Fatalf("the message changed after a refused %q: %d messages (had %d), last %q", label, len(after), len(before), after[len(after)-1].Text)
	}
	return answer
}
