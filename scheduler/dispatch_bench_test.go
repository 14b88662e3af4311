package scheduler

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/testpractice"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// BenchmarkReminderDispatch drains 10,000 due reminders through the real
// bot and go-telegram/bot client into the fake Telegram server, through
// the limiter, and reports the achieved rate and its fraction of the limit.
// The limit is TORI_BENCH_RATE messages per second (default 500; the
// production default is 25, which would take 400 s).
//
//	go test -run '^$' -bench ReminderDispatch -benchtime 1x ./scheduler/
func BenchmarkReminderDispatch(b *testing.B) {
	rate := 500.0
	if v, err := strconv.ParseFloat(os.Getenv("TORI_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	const therapists, perTherapist = 100, 100
	for range b.N {
		b.StopTimer()
		p := testPractice()
		p.Worker.Reminders = []time.Duration{24 * time.Hour}
		p.Therapists = nil
		for i := range therapists {
			var h tori.WeeklyHours
			for d := range 7 {
				h[d] = []tori.Span{testpractice.Span("00:00", "24:00")}
			}
			p.Therapists = append(p.Therapists, tori.Therapist{ID: fmt.Sprintf("t%d", i), Name: "T", TelegramIDs: []int64{int64(7000 + i)}, Hours: h})
		}
		for i := range p.Services {
			p.Services[i].TherapistIDs = nil
		}
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
		e := newEnv(b, p)
		ctx := context.Background()
		fake := telegramtest.New()
		now := e.clock.Now()
		base := now.Add(25 * time.Hour)
		for i := range therapists * perTherapist {
			tid := p.Therapists[i%therapists].ID
			start := base.Add(time.Duration(i/therapists) * 5 * time.Minute)
			c := client(int64(100000 + i))
			fake.Open(c.ChatID)
			a := tori.Appointment{ID: tori.NewAppointmentID(tid), TherapistID: tid, ServiceID: "talk", Client: c, Start: start, End: start.Add(5 * time.Minute),
				Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(time.Hour), Price: tori.Money{Amount: 100, Currency: "ILS"}, Payment: tori.PayNone}
			if _, err := e.store.Hold(ctx, a, 5, now); err != nil {
				b.Fatal(err)
			}
			if _, err := e.store.Confirm(ctx, a.ID, "tok", now); err != nil {
				b.Fatal(err)
			}
		}
		e.clock.Set(base.Add(-24*time.Hour + 9*time.Hour))
		limiter := &telegram.Limiter{Rate: rate}
		tg, err := telegram.Connect(ctx, telegram.Config{Bot: e.bot, Store: e.store, Now: e.clock.Now, Log: quietLog(),
			Token: telegramtest.Token, APIURL: fake.URL, Limiter: limiter})
		if err != nil {
			b.Fatal(err)
		}
		w := New(Config{Practice: p, Bookings: e.bookings, Store: e.store, Notify: &bot.Notifier{Bot: e.bot, Send: tg.Send},
			Now: e.clock.Now, Log: quietLog()})
		b.StartTimer()
		began := time.Now()
		n, err := w.sendReminders(ctx)
		took := time.Since(began)
		b.StopTimer()
		if err != nil || n != therapists*perTherapist {
			b.Fatalf("sent %d: %v", n, err)
		}
		sent := 0
		for _, c := range fake.Calls() {
			if c.Method == "sendMessage" {
				sent++
			}
		}
		if sent != n {
			b.Fatalf("%d messages reached Telegram, %d reminders", sent, n)
		}
		achieved := float64(n) / took.Seconds()
		b.ReportMetric(achieved, "msgs/s")
		b.ReportMetric(achieved/rate, "of-limit")
		b.ReportMetric(took.Seconds(), "s/10k")
		fake.Close()
	}
}
