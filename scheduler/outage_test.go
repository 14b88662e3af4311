package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// Telegram outages: the Bot API answers 429 (with retry_after) and 500 for
// a few seconds of real time, against the real go-telegram/bot client, the
// real limiter and a real Redis. Nothing the worker or the bot had to say
// is lost or said twice, and nobody hammers Telegram while it refuses.

// hit is one Bot API request the fake answered.
type hit struct {
	method string
	at     time.Time // when it arrived
	status int
}

// wiretap records every request to the fake Telegram with its arrival time
// and the HTTP status it got (the fake keeps calls but not their times).
type wiretap struct {
	mu   sync.Mutex
	hits []hit
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func tap(fake *telegramtest.Server) *wiretap {
	wt := &wiretap{}
	next := fake.Config.Handler
	fake.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		wt.mu.Lock()
		wt.hits = append(wt.hits, hit{method: method, at: at, status: sw.status})
		wt.mu.Unlock()
	})
	return wt
}

// calls returns the requests of method, in arrival order.
func (wt *wiretap) calls(method string) []hit {
	wt.mu.Lock()
	defer wt.mu.Unlock()
	var out []hit
	for _, h := range wt.hits {
		if h.method == method {
			out = append(out, h)
		}
	}
	return out
}

// connect connects the env's bot to a fake Telegram with the production
// limiter (25 messages a second overall, one a second per chat).
func (e *env) connect(fake *telegramtest.Server) *telegram.Telegram {
	e.t.Helper()
	tg, err := telegram.Connect(context.Background(), telegram.Config{Bot: e.bot, Store: e.store, Now: e.clock.Now, Log: quietLog(),
		Token: telegramtest.Token, APIURL: fake.URL, PollTimeout: time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	return tg
}

// TestOutageRemindersBackOffAndArriveOnce: 40 reminders (twenty clients,
// a session with each of two therapists) are due at once while sendMessage
// answers 429 with retry_after=1 for 2.5 s, then 500 for 2 s. The worker
// runs its reminder job (the lease running out on the fake clock between
// runs) until every reminder is in: each reached Telegram exactly once, no
// request followed a 429 sooner than its retry_after, and Telegram saw at
// most about one attempt a second while it refused.
func TestOutageRemindersBackOffAndArriveOnce(t *testing.T) {
	ctx := context.Background()
	p := testPractice()
	p.Worker.Reminders = []time.Duration{24 * time.Hour}
	p.Therapists = nil
	for i := range 2 {
		var h tori.WeeklyHours
		for d := range 7 {
			h[d] = []tori.Span{testpractice.Span("00:00", "24:00")}
		}
		p.Therapists = append(p.Therapists, tori.Therapist{ID: fmt.Sprintf("t%d", i), Name: "T", TelegramIDs: []int64{int64(8100 + i)}, Hours: h})
	}
	for i := range p.Services {
		p.Services[i].TherapistIDs = nil
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, p)
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	wire := tap(fake)

	const clients, perClient = 20, 2
	now := e.clock.Now()
	base := now.Add(25 * time.Hour)
	ids := map[string]int64{} // appointment -> client chat
	for i := range clients * perClient {
		tid := p.Therapists[i%2].ID
		start := base.Add(time.Duration(i/2) * 5 * time.Minute)
		c := client(int64(500 + (i/2)%clients))
		fake.Open(c.ChatID)
		a := tori.Appointment{ID: tori.NewAppointmentID(tid), TherapistID: tid, ServiceID: "talk", Client: c, Start: start, End: start.Add(5 * time.Minute),
			Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(time.Hour), Price: tori.Money{Amount: 100, Currency: "ILS"}, Payment: tori.PayNone}
		if _, err := e.store.Hold(ctx, a, 5, now); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Confirm(ctx, a.ID, "tok", now); err != nil {
			t.Fatal(err)
		}
		ids[a.ID] = c.ChatID
	}
	e.clock.Set(base.Add(-24*time.Hour + 9*time.Hour)) // every reminder is due

	tg := e.connect(fake)
	w := New(Config{Practice: p, Bookings: e.bookings, Store: e.store, Notify: &bot.Notifier{Bot: e.bot, Send: tg.Send}, Now: e.clock.Now, Log: e.worker.cfg.Log})

	// The outage: 429 (retry after 1 s) for 2.5 s, long enough for one
	// message's three attempts to be refused, then 500 for 2 s.
	const throttled, failing = 2500 * time.Millisecond, 2 * time.Second
	began := time.Now()
	fake.FailFor("sendMessage", throttled, 429, 1)
	switched := make(chan struct{})
	time.AfterFunc(throttled, func() {
		fake.FailFor("sendMessage", failing, 500, 0)
		close(switched)
	})
	t.Cleanup(func() { <-switched })

	// received counts, per appointment, the reminders Telegram took.
	received := func() map[string]int {
		got := map[string]int{}
		for chat := range int64(clients) {
			for _, m := range fake.Messages(500 + chat) {
				for _, row := range m.Keyboard {
					for _, b := range row {
						if id, ok := strings.CutPrefix(b.CallbackData, "y:"); ok {
							got[id]++
						}
					}
				}
			}
		}
		return got
	}
	deadline := time.Now().Add(15 * time.Second)
	runs := 0
	for {
		runs++
		if _, err := w.sendReminders(ctx); err != nil {
			t.Fatal(err)
		}
		if len(received()) == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d runs, %d of %d reminders reached Telegram", runs, len(received()), len(ids))
		}
		e.clock.Add(w.cfg.Lease + time.Second) // the failed ones' leases run out
	}
	drained := time.Since(began)

	for id, chat := range ids {
		if n := received()[id]; n != 1 {
			t.Errorf("appointment %s (chat %d): %d reminders", id, chat, n)
		}
	}
	for chat := range int64(clients) {
		if got := len(fake.Messages(500 + chat)); got != perClient {
			t.Errorf("chat %d got %d messages, want %d", 500+chat, got, perClient)
		}
	}
	for _, tid := range []string{"t0", "t1"} {
		if n, _, _ := e.store.QueueStats(ctx, tori.QueueReminders, tid); n != 0 {
			t.Errorf("%s: %d reminder items left", tid, n)
		}
	}

	// Back-off: after a 429 nothing went to Telegram before retry_after.
	calls := wire.calls("sendMessage")
	in429, in500 := 0, 0
	for i, h := range calls {
		switch h.status {
		case http.StatusTooManyRequests:
			in429++
			if i+1 < len(calls) {
				if gap := calls[i+1].at.Sub(h.at); gap < time.Second {
					t.Errorf("a request %v after a 429 with retry_after=1", gap)
				}
			}
		case http.StatusInternalServerError:
			in500++
		}
	}
	ok := 0
	for _, h := range calls {
		if h.status == http.StatusOK {
			ok++
		}
	}
	t.Logf("%d runs, drained in %v; sendMessage: %d answered 429, %d answered 500, %d ok", runs, drained.Round(time.Millisecond), in429, in500, ok)
	if in429 == 0 || in500 == 0 {
		t.Fatalf("the outage was not seen: %d 429s, %d 500s", in429, in500)
	}
	// At most one attempt a second while Telegram refuses (plus one at each edge).
	if limit := int((throttled+failing)/time.Second) + 2; in429+in500 > limit {
		t.Errorf("%d requests in a %v outage: hammering (want at most %d)", in429+in500, throttled+failing, limit)
	}
	if ok != len(ids) {
		t.Errorf("%d messages taken, want %d", ok, len(ids))
	}
}

// TestOutageTherapistNoticesNotLost: a client confirms a booking and
// another cancels one in the chat while sendMessage answers 500. The
// therapist's notices do not go out then; they are queued, and the
// worker delivers them, once to each of the therapist's chats, after
// Telegram recovers.
func TestOutageTherapistNoticesNotLost(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	for _, chat := range []int64{9001, 9011, 101, 102} {
		fake.Open(chat)
	}
	tg := e.connect(fake)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tg.Run(runCtx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	w := New(Config{Practice: e.p, Bookings: e.bookings, Store: e.store, Notify: &bot.Notifier{Bot: e.bot, Send: tg.Send}, Now: e.clock.Now, Log: e.worker.cfg.Log})

	dana, omer := client(101), client(102)
	cancelled := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	hold, err := e.bookings.Hold(ctx, omer, "talk", "adi", e.clock.At(thu, "15:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	percent := e.bookings.TermsNow(cancelled).Tier.Percent

	const outage = 2 * time.Second
	fake.FailFor("sendMessage", outage, 500, 0)
	over := time.Now().Add(outage)
	u := func(c tori.Client) telegramtest.User {
		return telegramtest.User{ID: c.ID, FirstName: c.Name, LanguageCode: "en"}
	}
	q1 := fake.PressData(u(omer), 0, "k:"+hold.ID)
	q2 := fake.PressData(u(dana), 0, "qq:"+cancelled.ID+":"+strconv.Itoa(percent))
	for _, q := range []string{q1, q2} {
		if _, err := fake.WaitAnswered(q, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := e.store.Appointment(ctx, hold.ID); a.Status != tori.StatusConfirmed {
		t.Fatalf("the booking is %s", a.Status)
	}
	if a, _ := e.store.Appointment(ctx, cancelled.ID); a.Status != tori.StatusCancelledByClient {
		t.Fatalf("the cancelled booking is %s", a.Status)
	}
	// Both updates are in hand while Telegram refuses: wait for it to recover.
	<-time.After(time.Until(over))

	// Notices that waited together may have gone as one message.
	notices := func(chat int64) (booked, gone int) {
		for _, m := range fake.Messages(chat) {
			for _, part := range strings.Split(m.Text, "\n\n") {
				switch {
				case strings.Contains(part, "New booking") && strings.Contains(part, omer.Name):
					booked++
				case strings.Contains(part, "Cancelled by the client") && strings.Contains(part, dana.Name):
					gone++
				}
			}
		}
		return booked, gone
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b1, g1 := notices(9001)
		b2, g2 := notices(9011)
		if b1 >= 1 && g1 >= 1 && b2 >= 1 && g2 >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notices after the outage: 9001 booked %d cancelled %d; 9011 booked %d cancelled %d", b1, g1, b2, g2)
		}
		e.clock.Add(time.Minute) // the worker's relay job, as cron ticks it
		if _, err := w.deliverRelays(ctx); err != nil {
			t.Fatal(err)
		}
		<-time.After(20 * time.Millisecond) // updates still in hand finish their replies
	}
	// Nothing more comes: each chat was told once.
	e.clock.Add(time.Hour)
	if _, err := w.deliverRelays(ctx); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{9001, 9011} {
		if b, g := notices(chat); b != 1 || g != 1 {
			t.Errorf("chat %d: %d booking notices, %d cancellation notices; want one each", chat, b, g)
		}
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueRelay, ""); n != 0 {
		t.Errorf("%d items left in the relay queue", n)
	}
}

// TestOutageNoticeQueuedWhenTheClientWasTold: the worker tells a client and
// the therapist (a refund gone through); the client's message goes out but
// Telegram fails the therapist's. The worker does not tell the client
// again, so the notice waits in the queue and reaches both therapist
// chats, once, when the relay job next runs.
func TestOutageNoticeQueuedWhenTheClientWasTold(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.book(client(101), "talk", e.clock.At(thu, "10:00"))
	down := true
	e.out.fail = func(r bot.Reply) error {
		if down && r.ChatID != 101 {
			return fmt.Errorf("error response from telegram for method sendMessage, 500 Internal Server Error")
		}
		return nil
	}
	if err := e.worker.cfg.Notify.RefundDone(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := len(e.out.to(101)); got != 1 {
		t.Fatalf("client got %d messages", got)
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueRelay, ""); n != 2 {
		t.Fatalf("%d notices queued, want one per therapist chat", n)
	}
	e.out.mu.Lock()
	down = false
	e.out.mu.Unlock()
	if n := e.run(e.worker.deliverRelays); n != 0 {
		t.Fatalf("%d sent before they were due", n)
	}
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.deliverRelays); n != 2 {
		t.Fatalf("%d notices sent, want 2", n)
	}
	e.clock.Add(time.Hour)
	e.run(e.worker.deliverRelays)
	for _, chat := range []int64{9001, 9011} {
		if got := e.out.to(chat); len(got) != 1 || !strings.Contains(got[0].Text, "Client 101") {
			t.Errorf("chat %d:\n%s", chat, texts(got))
		}
	}
	if got := len(e.out.to(101)); got != 1 {
		t.Errorf("client got %d messages", got)
	}
}
