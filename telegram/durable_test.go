package telegram_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/logtest"
	"github.com/tori-bot/tori/scheduler"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// otherWorker is the worker in another process: its own connection to
// Telegram, sending what it finds due in Redis by the bot's clock.
func (l *live) otherWorker() *scheduler.Worker {
	l.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l.t.Cleanup(cancel)
	tg, err := telegram.Connect(ctx, telegram.Config{Bot: l.bot, Store: l.bookings.Store.(telegram.Store), Now: l.clock.Now, Log: l.log,
		Token: telegramtest.Token, APIURL: l.fake.URL, Limiter: &telegram.Limiter{Rate: 10000, PerChat: time.Millisecond}})
	if err != nil {
		l.t.Fatal(err)
	}
	return scheduler.New(scheduler.Config{Practice: l.p, Bookings: l.bookings, Store: l.bookings.Store.(scheduler.Store),
		Notify: &bot.Notifier{Bot: l.bot, Send: tg.Send}, Now: l.clock.Now, Log: slog.New(slog.NewTextHandler(logtest.To(l.t), nil))})
}

// runWorker runs every job of w once, at the bot's clock moved on by d.
func (l *live) runWorker(w *scheduler.Worker, d time.Duration) {
	l.t.Helper()
	l.clock.Set(l.clock.Now().Add(d))
	if _, err := w.RunOnce(context.Background()); err != nil {
		l.t.Fatal(err)
	}
}

// noticeWaiting has Noa's chat take its burst of three notices, then a
// fourth client confirm: that notice waits for the chat's next turn (the
// sending clock stands still). It returns the fourth client.
func noticeWaiting(l *live, clk *sendClock) telegramtest.User {
	l.t.Helper()
	users, holds := l.holdFor("noa", "12:00", "13:00", "14:00", "15:00")
	l.confirmInTurn(9002, users[:3], holds[:3])
	l.fake.PressData(users[3], 0, "k:"+holds[3].ID)
	l.until("the answer", func() bool { return l.answered(users[3]) })
	l.until("the notice to wait for the chat's turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})
	return users[3]
}

// sendsTo counts the sendMessage calls to chat, refused ones included.
func (l *live) sendsTo(chat int64) int {
	n := 0
	for _, c := range l.fake.Calls() {
		if c.Method == "sendMessage" && c.Form["chat_id"] == strconv.FormatInt(chat, 10) {
			n++
		}
	}
	return n
}

// toldOf counts the messages in chat that name u.
func (l *live) toldOf(chat int64, u telegramtest.User) int {
	n := 0
	for _, m := range l.fake.Messages(chat) {
		n += strings.Count(m.Text, u.FirstName)
	}
	return n
}

// TestNoticeOfADeadProcessSentByTheWorker: the client is answered, and the
// process dies before the notice to Noa goes (it waits for her chat's
// turn, which never comes). The notice was queued before it was handed to
// the outbox, so the worker finds it a minute later and sends it, once.
func TestNoticeOfADeadProcessSentByTheWorker(t *testing.T) {
	l, clk := startLiveClocked(t)
	w := l.otherWorker()
	u := noticeWaiting(l, clk)

	l.runWorker(w, 30*time.Second)
	if n := l.toldOf(9002, u); n != 0 {
		t.Fatalf("the worker sent the notice before it was due (%d)", n)
	}
	l.runWorker(w, 31*time.Second)
	l.until("the worker to send the notice", func() bool { return l.toldOf(9002, u) == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.tg.Close(ctx) // the dead process never sends it
	l.runWorker(w, 5*time.Minute)
	if n, q := l.toldOf(9002, u), l.relayQueued(); n != 1 || q != 0 {
		t.Fatalf("Noa told %d times; %d left in the worker's queue", n, q)
	}
}

// TestLateNoticeTakenBack: a notice the outbox still holds near its due
// time goes once, whoever claims it first: the worker (the outbox then
// drops it), or the outbox, whose claim keeps the worker off while it waits
// out a 429.
func TestLateNoticeTakenBack(t *testing.T) {
	t.Run("ByTheWorker", func(t *testing.T) {
		l, clk := startLiveClocked(t)
		w := l.otherWorker()
		u := noticeWaiting(l, clk)

		l.runWorker(w, 61*time.Second)
		l.until("the worker to send the notice", func() bool { return l.toldOf(9002, u) == 1 })
		clk.Advance(time.Second) // the outbox's turn comes
		l.settle()
		if n := l.toldOf(9002, u); n != 1 {
			t.Fatalf("Noa told %d times", n)
		}
	})

	t.Run("ByTheOutbox", func(t *testing.T) {
		l, clk := startLiveClocked(t)
		w := l.otherWorker()
		u := noticeWaiting(l, clk)

		l.clock.Set(l.clock.Now().Add(45 * time.Second)) // late: the worker may come before it is sent
		l.fake.FailNextIn(9002, "sendMessage", 1, 429, 2)
		tried := l.sendsTo(9002)
		clk.Advance(time.Second)
		l.until("the notice to be refused and wait out retry_after", func() bool {
			return l.sendsTo(9002) > tried && clk.Sleeping() == 1
		})
		l.runWorker(w, 16*time.Second) // the notice's due time
		clk.Advance(2 * time.Second)
		l.settle()
		l.runWorker(w, 2*time.Minute) // past the outbox's claim
		if n, q := l.toldOf(9002, u), l.relayQueued(); n != 1 || q != 0 {
			t.Fatalf("Noa told %d times; %d left in the worker's queue", n, q)
		}
	})
}

// TestNoticeSentOnceAndTakenOut: notices wait in the worker's queue while
// the outbox holds them, and once Telegram took them (two merged into one
// message) they are taken out: the worker sends nothing again.
func TestNoticeSentOnceAndTakenOut(t *testing.T) {
	l, clk := startLiveClocked(t)
	w := l.otherWorker()
	users, holds := l.holdFor("noa", "12:00", "13:00", "14:00", "15:00", "16:00")
	l.confirmInTurn(9002, users[:3], holds[:3])
	l.until("the first three notices to be taken out", func() bool { return l.relayQueued() == 0 })

	for i := 3; i < 5; i++ {
		l.fake.PressData(users[i], 0, "k:"+holds[i].ID)
		l.until("the answer to "+users[i].FirstName, func() bool { return l.answered(users[i]) })
	}
	l.until("both notices to wait for the chat's turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})
	if n := l.relayQueued(); n != 2 {
		t.Fatalf("%d notices in the worker's queue while they wait, want 2", n)
	}
	clk.Advance(time.Second)
	l.settle()
	if ms := l.fake.Messages(9002); len(ms) != 4 || !strings.Contains(ms[3].Text, users[3].FirstName) || !strings.Contains(ms[3].Text, users[4].FirstName) {
		t.Fatalf("Noa's chat has %d messages, want the two notices merged in the fourth", len(ms))
	}
	if n := l.relayQueued(); n != 0 {
		t.Fatalf("%d sent notices left in the worker's queue", n)
	}
	l.runWorker(w, 5*time.Minute)
	if n := len(l.fake.Messages(9002)); n != 4 {
		t.Fatalf("Noa's chat has %d messages after the worker ran, want 4", n)
	}
}
