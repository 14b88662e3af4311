package telegram_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// sendClock is the limiter's clock in these tests: it stands still until
// the test moves it, except that a wait shorter than a tick (the overall
// spacing between two messages) passes at once. A message that waits for
// a chat's next turn, a second away, waits until the test says so.
type sendClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []sleeper
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

const tick = 50 * time.Millisecond

func newSendClock() *sendClock {
	return &sendClock{now: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
}

func (c *sendClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *sendClock) Sleep(ctx context.Context, at time.Time) error {
	c.mu.Lock()
	if at.Sub(c.now) < tick {
		if at.After(c.now) {
			c.now = at
			c.wake()
		}
		c.mu.Unlock()
		return nil
	}
	s := sleeper{at: at, wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance moves the clock on by d and wakes who slept until then.
func (c *sendClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.wake()
}

// wake ends the sleeps that are over or less than a tick away (moving the
// clock to their end), earliest first; c.mu held.
func (c *sendClock) wake() {
	slices.SortFunc(c.sleepers, func(a, b sleeper) int { return a.at.Compare(b.at) })
	keep := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.at.Sub(c.now) >= tick {
			keep = append(keep, s)
			continue
		}
		if s.at.After(c.now) {
			c.now = s.at
		}
		close(s.wake)
	}
	c.sleepers = keep
}

// Sleeping counts the senders waiting for a later time.
func (c *sendClock) Sleeping() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// startLiveClocked is startLive with Telegram's spacing (overall fast,
// each chat three at once then one a second) on a sendClock; when the test
// ends the clock runs on until everything is sent.
func startLiveClocked(t *testing.T) (*live, *sendClock) {
	t.Helper()
	clk := newSendClock()
	l := startLiveWith(t, storagetest.MustStore(t), &telegram.Limiter{Rate: 1000, Now: clk.Now, Sleep: clk.Sleep})
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for !l.tg.Idle() && time.Now().Before(deadline) {
			clk.Advance(time.Second)
			time.Sleep(time.Millisecond)
		}
	})
	return l, clk
}

// until polls cond (each call cheap) until it holds, or fails the test.
func (l *live) until(what string, cond func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: not within %v", what, wait)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdFor holds a talk session with therapist at each of times (on
// Thursday 3 December 2026) for a new client each, and returns the clients
// with their holds.
func (l *live) holdFor(therapist string, times ...string) ([]telegramtest.User, []tori.Appointment) {
	l.t.Helper()
	var users []telegramtest.User
	var holds []tori.Appointment
	for i, hm := range times {
		u := telegramtest.User{ID: int64(700 + i), FirstName: fmt.Sprintf("Client%02d", i), LanguageCode: "en"}
		l.fake.Open(u.ID)
		at, err := time.ParseInLocation("2006-01-02 15:04", "2026-12-03 "+hm, l.p.Location)
		if err != nil {
			l.t.Fatal(err)
		}
		h, err := l.bookings.Hold(context.Background(), tori.Client{ID: u.ID, ChatID: u.ID, Name: u.FirstName, Lang: "en"}, "talk", therapist, at, 0)
		if err != nil {
			l.t.Fatal(err)
		}
		users, holds = append(users, u), append(holds, h)
	}
	return users, holds
}

// answered reports whether the client's chat has the booking's confirmation.
func (l *live) answered(u telegramtest.User) bool {
	for _, m := range l.fake.Messages(u.ID) {
		if strings.Contains(m.Text, "You're booked.") {
			return true
		}
	}
	return false
}

// sends counts the calls that put a message in a chat.
func sends(calls []telegramtest.Call) int {
	n := 0
	for _, c := range calls {
		switch c.Method {
		case "sendMessage", "editMessageText", "sendDocument":
			n++
		}
	}
	return n
}

// TestAnswersDoNotWaitForTheTherapistsChat: eight clients book with Adi,
// whose two chats take three messages at once and then one a second. The
// first three are told at once, each in their own message. Then five
// confirm in the same instant: each is answered while Adi's chats' next
// turn is still a second away (on the old code, the fourth client's
// answer waited behind the notice to Adi), and when that turn comes the
// five notices go as one message to each chat.
func TestAnswersDoNotWaitForTheTherapistsChat(t *testing.T) {
	l, clk := startLiveClocked(t)
	users, holds := l.holdFor("adi", "09:00", "10:00", "11:00", "12:00", "15:00", "16:00", "17:00", "18:00")
	notices := func(chat int64) (msgs, booked int) {
		ms := l.fake.Messages(chat)
		for _, m := range ms {
			booked += strings.Count(m.Text, "תור חדש")
		}
		return len(ms), booked
	}
	start := clk.Now()

	for i := range 3 {
		l.fake.PressData(users[i], 0, "k:"+holds[i].ID)
		l.until("the answer to "+users[i].FirstName, func() bool { return l.answered(users[i]) })
		for _, chat := range []int64{9001, 9011} {
			l.until("Adi's notice", func() bool { m, b := notices(chat); return m == i+1 && b == i+1 })
		}
	}

	for i := 3; i < 8; i++ {
		l.fake.PressData(users[i], 0, "k:"+holds[i].ID)
	}
	for i := 3; i < 8; i++ {
		l.until("the answer to "+users[i].FirstName, func() bool { return l.answered(users[i]) })
	}
	if waited := clk.Now().Sub(start); waited >= time.Second {
		t.Fatalf("the answers took %v of the limiter's time", waited)
	}
	l.until("the updates to end, and Adi's two chats to wait for their turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 2
	})
	for _, chat := range []int64{9001, 9011} {
		if m, b := notices(chat); m != 3 || b != 3 {
			t.Fatalf("chat %d before its turn: %d messages, %d notices", chat, m, b)
		}
	}

	clk.Advance(time.Second)
	for _, chat := range []int64{9001, 9011} {
		l.until("the five notices", func() bool { _, b := notices(chat); return b == 8 })
	}
	l.settle()
	for _, chat := range []int64{9001, 9011} {
		ms := l.fake.Messages(chat)
		if len(ms) != 4 {
			t.Fatalf("chat %d: %d messages, want 4 (three, then five notices in one)", chat, len(ms))
		}
		for _, u := range users[3:] {
			if !strings.Contains(ms[3].Text, u.FirstName) {
				t.Errorf("chat %d: %s missing from the merged notice:\n%s", chat, u.FirstName, ms[3].Text)
			}
		}
	}
}

// TestA429HoldsEverySenderBack: Telegram answers a notice to Noa's chat
// with 429, retry_after 2. Nothing more goes to Telegram until the 2
// seconds have passed, the next client's answer included; then the notice
// goes again, and the next one a second later.
func TestA429HoldsEverySenderBack(t *testing.T) {
	l, clk := startLiveClocked(t)
	users, holds := l.holdFor("noa", "12:00", "13:00")
	l.fake.FailNextIn(9002, "sendMessage", 1, 429, 2)

	l.fake.PressData(users[0], 0, "k:"+holds[0].ID)
	l.until("the answer to the first client", func() bool { return l.answered(users[0]) })
	l.until("the refused notice to wait out retry_after", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})
	before := sends(l.fake.Calls())

	qid := l.fake.PressData(users[1], 0, "k:"+holds[1].ID)
	if _, err := l.fake.WaitAnswered(qid, wait); err != nil {
		t.Fatal(err)
	}
	l.until("the second answer to wait too", func() bool { return clk.Sleeping() == 2 })
	if n := sends(l.fake.Calls()) - before; n != 0 || l.answered(users[1]) {
		t.Fatalf("%d messages went to Telegram inside retry_after", n)
	}

	clk.Advance(2 * time.Second)
	l.until("the second answer after retry_after", func() bool { return l.answered(users[1]) })
	l.until("the first notice, sent again", func() bool { return len(l.fake.Messages(9002)) == 1 })
	l.until("the second notice to wait for the chat's next turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})
	clk.Advance(time.Second)
	l.until("the second notice", func() bool { return len(l.fake.Messages(9002)) == 2 })
	if ms := l.fake.Messages(9002); !strings.Contains(ms[0].Text, users[0].FirstName) || !strings.Contains(ms[1].Text, users[1].FirstName) {
		t.Fatalf("Noa's chat:\n%s\n--\n%s", ms[0].Text, ms[1].Text)
	}
}

// queued returns the relay queue's members (the worker sends them again).
func (l *live) queued() []string {
	l.t.Helper()
	q := l.bookings.Store.(interface {
		ClaimDue(context.Context, tori.Queue, string, time.Time, time.Duration, int) ([]tori.Claim, error)
	})
	claims, err := q.ClaimDue(context.Background(), tori.QueueRelay, "", l.clock.Now().Add(time.Hour), time.Minute, 100)
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	for _, c := range claims {
		out = append(out, c.Member)
	}
	return out
}

// relayQueued counts the relay queue's members without claiming them.
func (l *live) relayQueued() int64 {
	q := l.bookings.Store.(interface {
		QueueStats(context.Context, tori.Queue, string) (int64, time.Time, error)
	})
	n, _, _ := q.QueueStats(context.Background(), tori.QueueRelay, "")
	return n
}

// confirmInTurn has each client confirm their hold after the last one's
// notice reached the therapist's chat (its burst of three, at once).
func (l *live) confirmInTurn(chat int64, users []telegramtest.User, holds []tori.Appointment) {
	l.t.Helper()
	for i := range users {
		l.fake.PressData(users[i], 0, "k:"+holds[i].ID)
		l.until("the notice of "+users[i].FirstName, func() bool { return len(l.fake.Messages(chat)) == i+1 })
	}
}

// TestMergedNoticesQueuedOneByOne: two notices wait together for Noa's
// chat and Telegram fails the message that carries both (500). Each is
// queued for the worker on its own, as a notice sent alone would be.
func TestMergedNoticesQueuedOneByOne(t *testing.T) {
	l, clk := startLiveClocked(t)
	users, holds := l.holdFor("noa", "12:00", "13:00", "14:00", "15:00", "16:00")
	l.confirmInTurn(9002, users[:3], holds[:3])

	l.fake.FailNextIn(9002, "sendMessage", 1, 500, 0)
	for i := 3; i < 5; i++ {
		l.fake.PressData(users[i], 0, "k:"+holds[i].ID)
	}
	for i := 3; i < 5; i++ {
		l.until("the answer to "+users[i].FirstName, func() bool { return l.answered(users[i]) })
	}
	l.until("both notices to wait for the chat's turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})
	clk.Advance(time.Second)
	l.until("the two notices to be queued", func() bool { return l.relayQueued() == 2 })
	got := l.queued()
	has := func(m string, u telegramtest.User) bool { return strings.Contains(m, u.FirstName) }
	a, b := users[3], users[4]
	if len(got) != 2 || has(got[0], a) == has(got[0], b) || has(got[1], a) == has(got[1], b) || has(got[0], a) == has(got[1], a) {
		t.Fatalf("queued, want one notice in each:\n%s", strings.Join(got, "\n"))
	}
	if n := len(l.fake.Messages(9002)); n != 3 {
		t.Fatalf("Noa's chat has %d messages, want the first three", n)
	}
}

// TestCloseQueuesWhatCannotWait: a notice is waiting for Noa's chat's
// next turn when the process shuts down and the time to finish is up: it
// is queued for the worker, not lost.
func TestCloseQueuesWhatCannotWait(t *testing.T) {
	l, clk := startLiveClocked(t)
	users, holds := l.holdFor("noa", "12:00", "13:00", "14:00", "15:00")
	l.confirmInTurn(9002, users[:3], holds[:3])
	l.fake.PressData(users[3], 0, "k:"+holds[3].ID)
	l.until("the answer", func() bool { return l.answered(users[3]) })
	l.until("the notice to wait for the chat's turn", func() bool {
		return l.tg.UpdatesInHand() == 0 && clk.Sleeping() == 1
	})

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time left
	l.tg.Close(ctx)
	got := l.queued()
	if len(got) != 1 || !strings.Contains(got[0], users[3].FirstName) {
		t.Fatalf("queued: %q", got)
	}
	if !l.tg.Idle() {
		t.Fatal("the outbox still holds messages after Close")
	}
}
