package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/logtest"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// world is one practice's bot over a real Redis, with a clock at Monday 30
// November 2026, 10:00 in Jerusalem.
type world struct {
	t        *testing.T
	bot      *bot.Bot
	bookings *tori.Bookings
	store    *storage.Store
	clock    *testpractice.Clock
	p        *tori.Practice
	mu       sync.Mutex
	msgID    int
	inbox    map[int64][]bot.Reply // every message each chat received, in order
}

func newWorld(t *testing.T) *world {
	t.Helper()
	p := testPractice()
	st := storagetest.MustStore(t)
	clk := testpractice.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location))
	log := slog.New(slog.NewTextHandler(logtest.To(t), nil))
	bk := &tori.Bookings{Practice: p, Store: st, Now: clk.Now}
	b, err := bot.New(bot.Config{Practice: p, Bookings: bk, Store: st, Now: clk.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, bot: b, bookings: bk, store: st, clock: clk, p: p, inbox: map[int64][]bot.Reply{}}
}

// user is one Telegram user chatting with the bot; screen is the message
// the flow runs in (edited in place, as Telegram would show it).
type user struct {
	w        *world
	c        tori.Client
	screen   bot.Reply
	screenID int
	notice   string
}

func (w *world) user(id int64, name, lang string) *user {
	return &user{w: w, c: tori.Client{ID: id, ChatID: id, Name: name, Username: strings.ToLower(name), Lang: lang}}
}

func (w *world) deliver(res bot.Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range res.Replies {
		for _, bad := range []string{"<no value>", "%!", "{{"} {
			if strings.Contains(r.Text, bad) {
				w.t.Errorf("reply has %q: %s", bad, r.Text)
			}
		}
		for _, row := range r.Keyboard {
			for _, b := range row {
				if len(b.Data) > 64 || (b.Data == "" && b.URL == "") {
					w.t.Errorf("button %q has data %q", b.Text, b.Data)
				}
			}
		}
		w.inbox[r.ChatID] = append(w.inbox[r.ChatID], r)
	}
}

func (u *user) take(res bot.Result) {
	u.w.deliver(res)
	u.notice = res.Notice
	for _, r := range res.Replies {
		if r.ChatID != u.c.ChatID || r.Document != nil {
			continue
		}
		if r.EditID == 0 {
			u.w.mu.Lock()
			u.w.msgID++
			u.screenID = u.w.msgID
			u.w.mu.Unlock()
		}
		u.screen = r
	}
}

func (u *user) say(text string) *user {
	u.w.t.Helper()
	u.take(u.w.bot.Handle(context.Background(), bot.Input{User: u.c, Text: text}))
	return u
}

func (u *user) pressData(data string) *user {
	u.take(u.w.bot.Handle(context.Background(), bot.Input{User: u.c, Data: data, MessageID: u.screenID, CallbackID: "cq"}))
	return u
}

// press taps the button on the current screen whose label contains label.
func (u *user) press(label string) *user {
	u.w.t.Helper()
	b, ok := u.button(label)
	if !ok {
		u.w.t.Fatalf("%s: no button %q on screen:\n%s\n%v", u.c.Name, label, u.screen.Text, labels(u.screen))
	}
	return u.pressData(b.Data)
}

func (u *user) button(label string) (bot.Button, bool) {
	for _, row := range u.screen.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b, true
			}
		}
	}
	return bot.Button{}, false
}

func labels(r bot.Reply) []string {
	var out []string
	for _, row := range r.Keyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

func (u *user) sees(parts ...string) *user {
	u.w.t.Helper()
	for _, p := range parts {
		if !strings.Contains(shown(u.screen.Text), p) {
			u.w.t.Fatalf("%s: screen lacks %q:\n%s", u.c.Name, p, u.screen.Text)
		}
	}
	return u
}

func (w *world) last(chat int64) bot.Reply {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := w.inbox[chat]
	if len(in) == 0 {
		w.t.Fatalf("chat %d received nothing", chat)
	}
	return in[len(in)-1]
}

func (w *world) count(chat int64) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.inbox[chat])
}
