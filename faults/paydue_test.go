//go:build faults

package faults_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
)

// awaitingPayment takes, through the store's series step, a series of the
// practice's for client c of weekly prepaid talks with Adi at the given
// days from now at 10:00, every week a hold awaiting its payment until
// payBy (sooner than a real deadline, so that the suite need not wait).
func (w *world) awaitingPayment(c tori.Client, payBy time.Time, days ...int) []tori.Appointment {
	w.t.Helper()
	p := faultPractice(w.t)
	s, _ := p.Service("talk")
	now := time.Now()
	sr := tori.Series{ID: tori.NewSeriesID("adi"), Status: tori.StatusConfirmed, Token: tori.RandomToken(12), CreatedAt: now, UpdatedAt: now,
		Rule: tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: c, First: day(days[0], "10:00"), Every: 1, Count: len(days), ByPractice: true}}
	var occs []tori.Appointment
	for k, d := range days {
		start := day(d, "10:00")
		a := tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "talk", Client: c,
			Start: start, End: start.Add(s.Duration), Buffer: s.BufferAfter, Status: tori.StatusHeld, HoldToken: sr.Token,
			HoldUntil: payBy, PayBy: payBy, Price: s.Price, Payment: tori.PayFull, Due: s.Price,
			Series: sr.ID, SeriesN: k, CreatedAt: now, UpdatedAt: now}
		occs = append(occs, a)
		sr.Taken = append(sr.Taken, tori.SeriesEntry{Week: k, ID: a.ID})
	}
	sr.Next = len(days)
	if err := storage.New(w.redis.Client(), "tori:").TakeSeries(context.Background(), sr, occs, 0, now); err != nil {
		w.t.Fatal(err)
	}
	return occs
}

// TestCrashReleasingUnpaidWeek kills the worker (SIGKILL) after it
// released a week of a prepaid series that was not paid by its deadline
// and offered its time to the waitlist, before anyone was told. Started
// again, it tells the client and the therapist once each, and the waitlist
// is offered the time once: nothing lost, nothing doubled.
func TestCrashReleasingUnpaidWeek(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bot("bot")
	c, waiting := w.client(106), w.client(107)
	for _, u := range []*client{c, waiting} { // both have written to the bot
		if _, err := u.say("/my"); err != nil {
			t.Fatal(err)
		}
	}
	dana := tori.Client{ID: c.u.ID, ChatID: c.u.ID, Name: "Dana", Lang: "en"}
	b := &tori.Bookings{Practice: faultPractice(t), Store: storage.New(w.redis.Client(), "tori:")}
	d := tori.DateOf(day(5, "10:00").In(b.Practice.Location))
	if _, err := b.JoinWaitlist(context.Background(), tori.Client{ID: waiting.u.ID, ChatID: waiting.u.ID, Name: "Omer", Lang: "en"},
		"talk", "adi", d, d, tori.AnyTime); err != nil {
		t.Fatal(err)
	}
	w.awaitingPayment(dana, time.Now().Add(3*time.Second), 5)

	wk := w.workerDying("worker", "hold.before_told")
	w.waitExit(wk, 30*time.Second)
	if n := count(w.tg.Messages(c.u.ID), "was not paid by"); n != 0 {
		t.Fatalf("the client was told before the worker died (%d)", n)
	}
	w.restart(wk)

	// The dead worker's claim on the hold comes due again when its lease
	// (2 minutes) runs out.
	w.waitChat(c.u.ID, 3*time.Minute, "the client's release notice", has("was not paid by", 1))
	w.waitChat(9001, time.Minute, "the therapist's release notice", has("Released unpaid", 1))
	w.waitChat(waiting.u.ID, time.Minute, "the waitlist's offer", has("A time has come free for you", 1))
	time.Sleep(3 * time.Second) // a late duplicate would arrive within this
	for chat, part := range map[int64]string{c.u.ID: "was not paid by", 9001: "Released unpaid", waiting.u.ID: "A time has come free for you"} {
		if n := count(w.tg.Messages(chat), part); n != 1 {
			t.Errorf("chat %d was told %q %d times", chat, part, n)
		}
	}
}

// TestCrashPayingAWeek kills the bot (SIGKILL) after PayPal captured the
// payment of a week awaiting it, before the capture was recorded. Started
// again beside a worker, the week is booked once by reconciliation, with
// one capture, and the client and the therapist told once; the other week
// still awaits its payment.
func TestCrashPayingAWeek(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bt := w.bot("bot", "TORI_FAULT=pay.after_capture")
	c := w.client(108)
	as := w.awaitingPayment(tori.Client{ID: c.u.ID, ChatID: c.u.ID, Name: "Dana", Lang: "en"}, time.Now().Add(time.Hour), 4, 11)

	m, err := c.say("/my")
	if err != nil {
		t.Fatal(err)
	}
	k, ok := button(m, "k:"+as[0].ID)
	if !ok {
		t.Fatalf("no pay button on %q", m.Text)
	}
	if m, err = c.press(m, k); err != nil {
		t.Fatal(err)
	}
	approve := urlButton(m)
	if approve == "" {
		t.Fatalf("no PayPal button on %q", m.Text)
	}
	order := approve[strings.Index(approve, "token=")+len("token="):]
	_, _, _ = visit(approve) // the bot dies on the way back
	w.waitExit(bt, 10*time.Second)
	if o, _ := w.pp.Order(order); o.Capture == nil {
		t.Fatal("PayPal has no capture")
	}

	w.restart(bt)
	w.worker("worker")
	w.toldOnce(t, c.u.ID, 4*time.Minute)
	all := w.appointments()
	if n := w.checkMoney(all); n != 1 {
		t.Errorf("%d confirmed paid bookings, want 1", n)
	}
	for _, a := range all {
		if a.ID == as[1].ID && (a.Status != tori.StatusHeld || a.PayBy.IsZero()) {
			t.Errorf("the other week is %s", a.Status)
		}
	}
}
