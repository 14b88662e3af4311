package telegram_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestPracticeBookingReleasedUnpaid: staff book a prepaid intake for @dana
// with a pay button; unpaid by its deadline (24 hours on), the worker
// releases it: Dana and Adi are told, and Omer, waiting for that day, is
// offered the time.
func TestPracticeBookingReleasedUnpaid(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()
	dana, omer := l.user(101, "Dana", "en"), l.user(102, "Omer", "en")
	l.bookTalk(dana, "Wed 2/12", "10:00") // Dana has written to the bot: @dana is known
	omer.say("/start")

	staff := l.admin(9500, "Reception")
	staff.say("/book @dana").press("Intake").press("Thu 3/12").press("10:00").press("Book once").sees("paid in advance")
	staff.press("Send a pay button").sees("Held for payment")
	dana.sees("booked this session for you", "Pay")
	as := mustAppointments(t, l, 101)
	held := as[len(as)-1]
	if held.Status != tori.StatusHeld || held.PayBy.IsZero() || !held.ByPractice {
		t.Fatalf("held %+v", held)
	}
	d := tori.DateOf(held.Start.In(l.p.Location))
	if _, err := l.bookings.JoinWaitlist(ctx, tori.Client{ID: 102, ChatID: 102, Name: "Omer", Lang: "en"}, "intake", "adi", d, d, tori.AnyTime); err != nil {
		t.Fatal(err)
	}

	w := l.otherWorker()
	l.runWorker(w, held.PayBy.Sub(l.clock.Now())+time.Minute)
	l.settle()
	if n := countIn(l, 101, "was not paid by"); n != 1 {
		t.Fatalf("Dana told %d times: %+v", n, l.fake.Messages(101))
	}
	if _, err := l.fake.Wait(9001, wait, lastHas("שוחרר ללא תשלום")); err != nil {
		t.Fatal("Adi not told: ", err)
	}
	l.runWaitlist()
	omer.sees("A time has come free for you", "Thursday 3 December 2026, 10:00")
	if a, err := l.bookings.Store.Appointment(ctx, held.ID); err != nil || a.Status == tori.StatusHeld || a.Status == tori.StatusConfirmed {
		t.Fatalf("after the deadline %+v %v", a, err)
	}
}

// countIn counts chat's messages that contain part.
func countIn(l *live, chat int64, part string) int {
	n := 0
	for _, m := range l.fake.Messages(chat) {
		if strings.Contains(m.Text, part) {
			n++
		}
	}
	return n
}

// TestPracticeSeriesPayButtons: staff book a weekly prepaid intake for
// @dana with a pay button before each session; Dana is told once how it is
// paid, and the first week's pay reminder reaches her from the worker.
func TestPracticeSeriesPayButtons(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	l.bookTalk(dana, "Wed 2/12", "10:00")
	staff := l.admin(9500, "Reception")
	staff.say("/book @dana").press("Intake").press("Next week").press("Tue 8/12").press("10:00").press("Make it weekly").press("4 sessions")
	staff.press("Send a pay button before each session").press("Book 4 sessions").sees("Booked for", "Each session awaits its payment")
	l.settle()
	if n := countIn(l, 101, "Each session is paid in advance"); n != 1 {
		t.Fatalf("Dana told %d times: %+v", n, l.fake.Messages(101))
	}

	as := mustAppointments(t, l, 101)
	first := as[1] // after Wednesday's talk
	if first.Status != tori.StatusHeld || first.PayBy.IsZero() {
		t.Fatalf("first week %+v", first)
	}
	w := l.otherWorker()
	l.runWorker(w, l.p.PayReminderAt(first).Sub(l.clock.Now())+time.Minute)
	l.settle()
	if n := countIn(l, 101, "Your session is waiting for its payment"); n != 1 {
		t.Fatalf("pay reminders %d: %+v", n, l.fake.Messages(101))
	}
}
