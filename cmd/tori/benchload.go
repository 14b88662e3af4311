package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// loadSide is the load side of tori bench: the fake Telegram Bot API and
// PayPal servers and the simulated clients, in the bench's own process
// (benchLoad) or, -apart, in a second one (loadProcess), as Telegram,
// PayPal and the clients' phones are elsewhere in production.
type loadSide interface {
	// URLs are the fake Telegram Bot API's and the fake PayPal's.
	URLs() (telegram, paypal string)
	// Drive runs the clients to the end and checks PayPal's side.
	Drive(ctx context.Context) (loadResult, error)
	Close()
}

// loadResult is what the clients measured.
type loadResult struct {
	Booked, Updates int
	Seen            []time.Duration // per update: until the client saw the answer
	BookedIn        []time.Duration // per booking: from the booking's act to "You're booked."
	Errors          []string        // clients that did not finish
	// The therapists' chats: the booking notices they got, in how many
	// messages; the calls the fake Bot API refused with 429 (for a chat's
	// pace, for the bot's); and the most messages (new or edited) it took
	// in one second.
	Notices, NoticeMessages, RefusedChat, RefusedOverall, Busiest int
}

// benchLoad is the load in this process.
type benchLoad struct {
	think, arrive time.Duration
	clients       int
	paid          bool    // the flow goes through PayPal
	therapists    []int64 // the therapists' chats
	fake          *telegramtest.Server
	pp            *paypaltest.Server
}

// newBenchLoad starts the fake servers, with the therapists' chats open.
func newBenchLoad(cfg benchConfig, clients int) *benchLoad {
	l := &benchLoad{think: cfg.think, arrive: cfg.arrive, clients: clients, paid: !cfg.payAtSession, fake: telegramtest.New(), pp: paypaltest.New()}
	if cfg.limits {
		l.fake.Limit(telegramtest.TelegramLimits)
	}

	for _, th := range benchPractice(clients, cfg).Therapists {
		l.fake.Open(th.TelegramIDs[0])
		l.therapists = append(l.therapists, th.TelegramIDs[0])
	}
	return l
}

func (l *benchLoad) URLs() (string, string) { return l.fake.URL, l.pp.URL }

func (l *benchLoad) Close() {
	l.fake.Close()
	l.pp.Close()
}

func (l *benchLoad) Drive(ctx context.Context) (loadResult, error) {
	var res loadResult
	var mu sync.Mutex
	browser := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}
	var booked, updates atomic.Int64
	var wg sync.WaitGroup

	// Each client books on a goroutine of its own.
	for i := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &benchClient{fake: l.fake, browser: browser, think: l.think,
				u: telegramtest.User{ID: int64(1_000_000 + i), FirstName: fmt.Sprintf("Client %d", i), LanguageCode: "en"}}

			// The clients arrive over a moment, not all in one instant.
			if l.arrive > 0 {
				select {
				case <-time.After(rand.N(l.arrive)):
				case <-ctx.Done():
				}
			}

			err := c.book(ctx)
			mu.Lock()
			res.Seen = append(res.Seen, c.seen...)
			res.BookedIn = append(res.BookedIn, c.booked...)
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("client %d: %v", i, err))
			}
			mu.Unlock()
			updates.Add(int64(c.updates))
			if err == nil {
				booked.Add(1)
			}
		}()
	}
	wg.Wait()

	res.Booked, res.Updates = int(booked.Load()), int(updates.Load())
	l.countNotices(&res)
	res.RefusedChat, res.RefusedOverall = l.fake.Refused()
	res.Busiest = busiestSecond(l.fake.Calls())

	if !l.paid {
		return res, nil
	}
	// Every booking must be there, once, with one capture.
	if n := len(l.pp.Orders()); n < res.Booked {
		return res, fmt.Errorf("%d bookings but %d PayPal orders", res.Booked, n)
	}
	if n := l.pp.Calls("capture"); n < res.Booked {
		return res, fmt.Errorf("%d bookings but %d captures", res.Booked, n)
	}
	return res, nil
}

// countNotices waits (a while at most) for the therapists to be told of
// every booking, and counts the notices and the messages they came in.
func (l *benchLoad) countNotices(res *loadResult) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		res.Notices, res.NoticeMessages = 0, 0
		for _, chat := range l.therapists {
			for _, m := range l.fake.Messages(chat) {
				if n := strings.Count(m.Text, "New booking"); n > 0 {
					res.Notices += n
					res.NoticeMessages++
				}
			}
		}

		if res.Notices >= res.Booked || time.Now().After(deadline) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// busiestSecond is the most messages sent or edited in any one second.
func busiestSecond(calls []telegramtest.Call) int {
	var at []time.Time
	for _, c := range calls {
		switch c.Method {
		case "sendMessage", "editMessageText", "sendDocument":
			at = append(at, c.At)
		}
	}

	// The most calls within a second, over a window sliding along them.
	best := 0
	for i, j := 0, 0; j < len(at); j++ {
		for at[j].Sub(at[i]) >= time.Second {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

// benchClient taps through the booking flow the way a person would: the
// service by its link, a therapist, a day, a time (another offered one if
// it was just taken), confirm, pay at PayPal, and wait for the confirmation.
type benchClient struct {
	fake    *telegramtest.Server
	browser *http.Client
	think   time.Duration
	u       telegramtest.User
	seen    []time.Duration
	booked  []time.Duration // the booking's answer
	updates int
}

// pause is a person's pause between two taps: scale times think, give or
// take half.
func (c *benchClient) pause(ctx context.Context, scale float64) {
	if c.think <= 0 {
		return
	}
	d := time.Duration(float64(c.think) * scale * (0.5 + rand.Float64()))
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// last is the chat's latest message (files aside).
func (c *benchClient) last() (telegramtest.Message, int) { return c.fake.Latest(c.u.ID) }

// act sends an update and waits until the bot has answered it (a new
// message, or an edit of the latest one).
func (c *benchClient) act(send func()) error {
	start := time.Now()
	c.updates++
	if err := c.fake.Act(c.u.ID, 30*time.Second, send); err != nil {
		return err
	}

	took := time.Since(start)
	c.seen = append(c.seen, took)
	if m, _ := c.last(); strings.Contains(m.Text, "You're booked.") {
		c.booked = append(c.booked, took)
	}
	return nil
}

// book taps through the flow until the client is booked, 30 taps at most.
func (c *benchClient) book(ctx context.Context) error {
	if err := c.act(func() { c.fake.SendText(c.u, "/start session") }); err != nil {
		return err
	}

	for step := 0; step < 30; step++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m, _ := c.last()
		if strings.Contains(m.Text, "You're booked.") {
			return nil
		}

		choice, pay := choices(m)
		if pay != "" && strings.Contains(m.Text, "Pay to confirm") {
			c.pause(ctx, 1)
			if err := c.pay(pay); err != nil {
				return err
			}
			continue
		}

		if len(choice) == 0 {
			return fmt.Errorf("nothing to tap on %q", m.Text)
		}
		b := choice[rand.IntN(len(choice))]
		c.pause(ctx, 1)
		if err := c.act(func() { c.fake.PressData(c.u, m.ID, b.CallbackData) }); err != nil {
			return err
		}
	}
	m, _ := c.last()
	return fmt.Errorf("not booked after 30 taps; last: %q", m.Text)
}

// choices are the buttons of m a person would tap next: the first kind of
// service (k:), therapist (t:), day (d:) or time (p:) it offers, or else
// the next week (w:); and the link to pay at PayPal, if any.
func choices(m telegramtest.Message) (choice []telegramtest.Button, pay string) {
	for _, prefix := range []string{"k:", "t:", "d:", "p:"} {
		for _, row := range m.Keyboard {
			for _, b := range row {
				if strings.HasPrefix(b.CallbackData, prefix) {
					choice = append(choice, b)
				}
				if b.URL != "" && pay == "" {
					pay = b.URL
				}
			}
		}
		if len(choice) > 0 {
			return choice, pay
		}
	}

	// A week (or day) with nothing free: another week.
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, "w:") && (strings.Contains(b.Text, "Next week") || len(choice) == 0) {
				choice = []telegramtest.Button{b}
			}
		}
	}
	return choice, pay
}

// pay approves at the fake PayPal, comes back to tori's return page, and
// waits for the confirmation in the chat.
func (c *benchClient) pay(approve string) error {
	start := time.Now()
	resp, err := c.browser.Get(approve)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Paid") {
		return fmt.Errorf("return page %d: %.200s", resp.StatusCode, page)
	}

	// Then the confirmation, in the chat.
	if _, err := c.fake.Wait(c.u.ID, 30*time.Second, func(ms []telegramtest.Message) bool {
		for _, m := range ms {
			if strings.Contains(m.Text, "You're booked.") {
				return true
			}
		}
		return false
	}); err != nil {
		return err
	}

	c.seen = append(c.seen, time.Since(start))
	c.booked = append(c.booked, time.Since(start))
	return nil
}
