package telegram_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/logtest"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/payments"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
	"github.com/tori-bot/tori/web"
)

const wait = 10 * time.Second

// live is the real bot, long-polling a fake Telegram server through the
// real go-telegram/bot client, over a real Redis, taking payments through
// the real plutov/paypal client from a fake PayPal, with its payment pages
// served at web (PUBLIC_URL).
type live struct {
	t        testing.TB
	fake     *telegramtest.Server
	pp       *paypaltest.Server
	web      *httptest.Server
	paypal   *payments.PayPal
	bookings *tori.Bookings
	bot      *bot.Bot
	clock    *testpractice.Clock
	p        *tori.Practice
	tg       *telegram.Telegram
	log      *slog.Logger   // the bot's and the adapter's
	logs     *logtest.Lines // what they logged
}

func startLive(t *testing.T) *live {
	t.Helper()
	return startLiveOn(t, storagetest.MustStore(t))
}

// startLiveB is startLive for a benchmark.
func startLiveB(b *testing.B) *live {
	b.Helper()
	return startLiveOn(b, storagetest.MustStore(b))
}

// startLiveOn is startLive over the given store.
func startLiveOn(t testing.TB, st *storage.Store) *live {
	t.Helper()
	// A fast limiter: the real spacing is tested on a fake clock (limiter_test.go).
	return startLiveWith(t, st, &telegram.Limiter{Rate: 10000, PerChat: time.Millisecond})
}

// startLiveWith is startLive over the given store, sending through lim.
func startLiveWith(t testing.TB, st *storage.Store, lim *telegram.Limiter) *live {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	p := testPractice()
	clk := testpractice.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location))
	logs := &logtest.Lines{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logtest.To(t), logs), nil))
	pp := paypaltest.New()
	t.Cleanup(pp.Close)
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	paypal, err := payments.New(payments.Config{ClientID: paypaltest.ClientID, Secret: paypaltest.Secret, APIBase: pp.URL,
		WebhookID: paypaltest.WebhookID, ReturnURL: srv.URL + "/paypal/return", CancelURL: srv.URL + "/paypal/cancel", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bookings := &tori.Bookings{Practice: p, Store: st, Payments: paypal, Now: clk.Now}
	b, err := bot.New(bot.Config{Practice: p, Bookings: bookings, Store: st, Now: clk.Now, Log: log, PublicURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tg, err := telegram.Connect(ctx, telegram.Config{Bot: b, Store: st, Now: clk.Now, Log: log,
		Token: telegramtest.Token, APIURL: fake.URL, PollTimeout: 2 * time.Second, Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.RegisterCommands(ctx); err != nil {
		t.Fatal(err)
	}
	pages := web.New(web.Config{Bot: b, Bookings: bookings, Store: st, Send: tg, Hooks: paypal, Now: clk.Now, Log: log})
	mux := http.NewServeMux()
	mux.Handle("/paypal/", pages.Payments())
	mux.Handle("/calendar/", pages.Feed())
	srv.Config.Handler = mux
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tg.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, th := range p.Therapists {
		for _, id := range th.TelegramIDs {
			fake.Open(id)
		}
	}
	for _, id := range p.Staff {
		fake.Open(id)
	}
	return &live{t: t, fake: fake, pp: pp, web: srv, paypal: paypal, bookings: bookings, bot: b, clock: clk, p: p, tg: tg, log: log, logs: logs}
}

// settle waits until no update is in hand and nothing waits to go to
// other chats (the therapists' notices and relayed messages an update
// handed to the outbox).
func (l *live) settle() {
	l.t.Helper()
	deadline := time.Now().Add(wait)
	for !l.tg.Idle() {
		if time.Now().After(deadline) {
			l.t.Fatal("messages to other chats still waiting after", wait)
		}
		time.Sleep(time.Millisecond)
	}
}

type tgUser struct {
	l *live
	u telegramtest.User
}

func (l *live) user(id int64, first, lang string) *tgUser {
	return &tgUser{l: l, u: telegramtest.User{ID: id, FirstName: first, Username: strings.ToLower(first), LanguageCode: lang}}
}

// say sends text and waits for the bot's answer (a command always gets a
// new message).
func (c *tgUser) say(text string) *tgUser {
	c.l.t.Helper()
	before := len(c.l.fake.Messages(c.u.ID))
	c.l.fake.SendText(c.u, text)
	if _, err := c.l.fake.Wait(c.u.ID, wait, func(ms []telegramtest.Message) bool { return len(ms) > before }); err != nil {
		c.l.t.Fatalf("%s said %q: %v", c.u.FirstName, text, err)
	}
	return c
}

// sees waits until the chat's latest message contains every part.
func (c *tgUser) sees(parts ...string) telegramtest.Message {
	c.l.t.Helper()
	msgs, err := c.l.fake.Wait(c.u.ID, wait, lastHas(parts...))
	if err != nil {
		c.l.t.Fatalf("%s waiting for %q: %v", c.u.FirstName, parts, err)
	}
	msgs = withoutFiles(msgs)
	return msgs[len(msgs)-1]
}

// press taps a button on the latest message and checks the query is answered.
func (c *tgUser) press(label string) *tgUser {
	c.l.t.Helper()
	all := c.l.fake.Messages(c.u.ID)
	msgs := withoutFiles(all)
	if len(msgs) == 0 {
		c.l.t.Fatalf("%s has no messages", c.u.FirstName)
	}
	before := msgs[len(msgs)-1]
	qid, err := c.l.fake.Press(c.u, before, label)
	if err != nil {
		c.l.t.Fatal(err)
	}
	if _, err := c.l.fake.WaitAnswered(qid, wait); err != nil {
		c.l.t.Fatal(err)
	}
	// The bot answers the press and edits the message (or sends a new
	// one) side by side: wait for both.
	if _, err := c.l.fake.Wait(c.u.ID, wait, func(ms []telegramtest.Message) bool {
		return len(ms) > len(all) || ms[len(ms)-1].Edits > before.Edits || lastEdits(ms, before.ID) > before.Edits
	}); err != nil {
		c.l.t.Fatal(err)
	}
	return c
}

// TestTelegramEndToEnd: one client books, a second cannot take the same
// time, the therapist is told, the client reschedules and cancels, in
// English and Hebrew, through the real client and HTTP.
func TestTelegramEndToEnd(t *testing.T) {
	l := startLive(t)
	if !strings.Contains(l.fake.Commands(""), `"command":"book"`) || !strings.Contains(l.fake.Commands("he"), "קביעת פגישה") {
		t.Fatalf("command menus: en %s he %s", l.fake.Commands(""), l.fake.Commands("he"))
	}
	dana, omer := l.user(101, "Dana", "en"), l.user(102, "עומר", "he")

	dana.say("/start@" + telegramtest.BotUsername).sees("Hello Dana!")
	dana.press("Book a session").sees("Which session")
	dana.press("Talk session").press("Adi Levi").sees("Choose a day")
	omer.say("/book").sees("איזו פגישה")
	omer.press("פגישת שיחה").press("Adi Levi").sees("בחרו יום")

	dana.press("Tue 1/12").sees("choose a time")
	omer.press("ג׳ 1/12").sees("בחרו שעה")
	dana.press("10:00").sees("held for you until")
	omer.press("10:00").sees("נתפס הרגע")
	dana.press("Confirm").sees("You're booked.", "Tuesday 1 December 2026, 10:00–10:50")

	// The flow ran in one message, edited in place (the calendar file
	// follows it).
	if msgs := withoutFiles(l.fake.Messages(101)); len(msgs) != 1 || msgs[0].Edits < 6 {
		t.Fatalf("Dana's chat has %d messages (want 1, edited in place)", len(msgs))
	}
	for _, id := range []int64{9001, 9011} {
		if _, err := l.fake.Wait(id, wait, func(ms []telegramtest.Message) bool {
			return len(ms) == 1 && strings.Contains(ms[0].Text, "תור חדש") && strings.Contains(ms[0].Text, "@dana")
		}); err != nil {
			t.Fatal(err)
		}
	}

	// Omer takes one of the nearest times offered instead.
	omer.press("11:00").sees("בדקו בבקשה את פרטי התור")
	omer.press("אישור").sees("התור נקבע.")

	// Dana moves her session; a 429 from Telegram on the way is waited out.
	l.fake.FailNext("editMessageText", 1, 429, 1)
	dana.say("/my").sees("Your upcoming bookings")
	dana.press("Reschedule 1").sees("Reschedule")
	dana.press("Wed 2/12").press("15:00").sees("Move your session?")
	dana.press("Confirm the new time").sees("Your session has been moved.", "Wednesday 2 December 2026, 15:00–15:50")
	if _, err := l.fake.Wait(9001, wait, func(ms []telegramtest.Message) bool {
		return len(ms) == 3 && strings.Contains(ms[2].Text, "שינוי מועד") // Dana's and Omer's bookings, then the move
	}); err != nil {
		t.Fatal(err)
	}

	dana.say("/my").sees("Your upcoming bookings", "Wednesday 2 December 2026, 15:00–15:50")
	dana.press("Cancel 1").sees("Cancel this session?")
	dana.press("Yes, cancel it").sees("Cancelled.")
	if _, err := l.fake.Wait(9001, wait, func(ms []telegramtest.Message) bool {
		return len(ms) == 4 && strings.Contains(ms[3].Text, "ביטול")
	}); err != nil {
		t.Fatal(err)
	}
	// Omer, in Hebrew, moves his session and then cancels it.
	omer.say("/my").sees("התורים הקרובים שלכם", "11:00–11:50")
	omer.press("שינוי מועד 1").sees("שינוי מועד")
	omer.press("ד׳ 2/12").press("09:00").sees("להעביר את הפגישה?")
	omer.press("אישור המועד החדש").sees("הפגישה הועברה.", "יום רביעי, 2 בדצמבר 2026")
	omer.say("/my").sees("התורים הקרובים שלכם", "09:00–09:50")
	omer.press("ביטול 1").sees("לבטל את הפגישה?")
	omer.press("כן, לבטל").sees("הפגישה בוטלה.")
	if _, err := l.fake.Wait(9001, wait, func(ms []telegramtest.Message) bool {
		return len(ms) == 6 && strings.Contains(ms[4].Text, "שינוי מועד") && strings.Contains(ms[5].Text, "ביטול") && strings.Contains(ms[5].Text, "עומר")
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateDeliveredTwice: an update Telegram delivers again is handled once.
func TestUpdateDeliveredTwice(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	id := l.fake.SendText(dana.u, "/help")
	dana.sees("How booking works")
	l.fake.Redeliver(id, telegramtest.TextUpdate(dana.u, "/help"))
	dana.say("/my").sees("no upcoming bookings")
	if n := len(l.fake.Messages(101)); n != 2 {
		t.Fatalf("%d messages, want 2 (help once, then my)", n)
	}
	// Long polling marks an update handled as it claims it: the same
	// update through a webhook (after a switch of mode) is skipped too.
	if done, err := l.bookings.Store.(telegram.Store).Handled(context.Background(), "tg", strconv.FormatInt(id, 10)); err != nil || !done {
		t.Fatalf("the polled update reads as handled: %v, %v", done, err)
	}
}

// TestStaleAndForgedButtons: buttons of an old message still work or say
// plainly that they are out of date; every query is answered.
func TestStaleAndForgedButtons(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start").sees("Hello")
	msg := l.fake.Messages(101)[0]
	qid := l.fake.PressData(dana.u, msg.ID, "w:talk:adi:99999999")
	if text, err := l.fake.WaitAnswered(qid, wait); err != nil || text != "This button is out of date." {
		t.Fatalf("answer %q, %v", text, err)
	}
	dana.sees("no longer works")
	qid = l.fake.PressData(dana.u, 424242, "my") // a message the bot cannot edit
	if _, err := l.fake.WaitAnswered(qid, wait); err != nil {
		t.Fatal(err)
	}
	dana.sees("no upcoming bookings")
}

// withoutFiles drops the documents (the .ics files) from a chat, leaving
// the messages a user reads and presses.
// lastHas is true of a chat whose latest message (files aside) contains
// every part, as a person reads it.
func lastHas(parts ...string) func([]telegramtest.Message) bool {
	return func(ms []telegramtest.Message) bool {
		ms = withoutFiles(ms)
		if len(ms) == 0 {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(shown(ms[len(ms)-1].Text), p) {
				return false
			}
		}
		return true
	}
}

func withoutFiles(ms []telegramtest.Message) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range ms {
		if m.File == nil {
			out = append(out, m)
		}
	}
	return out
}

// files returns the documents sent to a chat.
func files(ms []telegramtest.Message) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range ms {
		if m.File != nil {
			out = append(out, m)
		}
	}
	return out
}

func lastEdits(ms []telegramtest.Message, id int) int {
	for _, m := range ms {
		if m.ID == id {
			return m.Edits
		}
	}
	return 0
}
