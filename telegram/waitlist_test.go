package telegram_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// runWaitlist does what the worker's waitlist job does: one step of every
// due freed time, each offer sent through the real Telegram client.
func (l *live) runWaitlist() {
	l.t.Helper()
	ctx := context.Background()
	q := l.bookings.Store.(interface {
		ClaimDue(context.Context, tori.Queue, string, time.Time, time.Duration, int) ([]tori.Claim, error)
		Ack(context.Context, tori.Queue, string, tori.Claim) (bool, error)
	})
	claims, err := q.ClaimDue(ctx, tori.QueueWaitlist, "", l.clock.Now(), time.Minute, 10)
	if err != nil {
		l.t.Fatal(err)
	}
	n := bot.Notifier{Bot: l.bot, Send: l.tg.Send}
	for _, c := range claims {
		step, err := l.bookings.AdvanceFreeing(ctx, c.Member)
		if err != nil {
			l.t.Fatal(err)
		}
		if step.Offer.ID != "" {
			if err := n.Offer(ctx, step.Offer); err != nil {
				l.t.Fatal(err)
			}
		}
		if step.Unfilled {
			if err := n.OfferUnfilled(ctx, step.Freeing); err != nil {
				l.t.Fatal(err)
			}
		}
		if _, err := q.Ack(ctx, tori.QueueWaitlist, "", c); err != nil {
			l.t.Fatal(err)
		}
	}
}

// offerOf is the hold id an offer message's "Take it" button carries.
func offerOf(m telegramtest.Message) string {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if act, ok := bot.ParseCallback(b.CallbackData); ok && act.Verb == "wt" {
				return act.Appt
			}
		}
	}
	return ""
}

// TestWaitlistInTheChat: a client joins the waitlist from a day view
// (mornings), sees it in /my; a cancellation is offered to them; a forged
// "take" from someone else is refused; they take it, confirm, and are
// booked; the therapist is told it came from the waitlist.
func TestWaitlistInTheChat(t *testing.T) {
	l := startLive(t)
	dana, omer, noga := l.user(101, "Dana", "en"), l.user(102, "Omer", "en"), l.user(103, "Noga", "en")
	a := l.bookTalk(dana, "Thu 3/12", "10:00")
	omer.say("/start talk").press("Adi Levi").press("Thu 3/12").sees("choose a time")
	omer.press("🔔 Join the waitlist for this day").sees("When would suit you?")
	omer.press("Mornings (before 12:00)").sees("You're on the waitlist.", "Talk session with Adi Levi, Thu 3/12, mornings", "up to 15 minutes")
	omer.say("/my").sees("You have no upcoming bookings.", "On the waitlist", "1. Talk session with Adi Levi, Thu 3/12, mornings")

	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	l.runWaitlist()
	offer := omer.sees("A time has come free for you", "Thursday 3 December 2026, 10:00–10:50", "It is yours to take until <b>10:15</b>")
	id := offerOf(offer)
	noga.say("/start")
	noga.pressData("wt:" + id).sees("That offer was not found")
	noga.say("/start")
	noga.pressData("wn:" + id).sees("That offer was not found")
	if h, _ := l.bookings.Store.Appointment(context.Background(), id); h.Status != tori.StatusHeld || h.Client.ID != 102 {
		t.Fatalf("a forged button touched the offer: %+v", h)
	}
	omer.press("✅ Take it").sees("Please check your booking", "10:00–10:50")
	omer.press("Confirm").sees("You're booked.")
	l.waitChat(9001, "therapist told", lastHas("מרשימת ההמתנה", "Omer"))
	omer.say("/my").sees("Your upcoming bookings")
	if strings.Contains(withoutFiles(l.fake.Messages(102))[len(withoutFiles(l.fake.Messages(102)))-1].Text, "On the waitlist") {
		t.Fatal("the entry that was served is still listed")
	}
	if a.ID == id {
		t.Fatal("the offer reused the cancelled booking")
	}
}

// TestWaitlistJoinAndLeave: joining from a week view covers the days shown;
// joining the same thing twice is one entry; leaving takes it off.
func TestWaitlistJoinAndLeave(t *testing.T) {
	l := startLive(t)
	omer := l.user(102, "Omer", "en")
	for range 2 {
		omer.say("/start talk").press("Adi Levi").sees("Choose a day")
		omer.press("🔔 Join the waitlist for these days").press("Any time").sees("You're on the waitlist.", "Mon 30/11 – Sat 5/12, any time")
	}
	omer.say("/my").sees("1. Talk session with Adi Levi, Mon 30/11 – Sat 5/12, any time")
	if es, _ := l.bookings.Waitlist(context.Background(), tori.Client{ID: 102}); len(es) != 1 {
		t.Fatalf("entries %+v", es)
	}
	omer.press("Leave waitlist 1").sees("You have no upcoming bookings.")
	if es, _ := l.bookings.Waitlist(context.Background(), tori.Client{ID: 102}); len(es) != 0 {
		t.Fatalf("entries after leaving %+v", es)
	}
}

// TestWaitlistOfferInABlock: time off over an offer that is out withdraws
// it plainly; the chain ends without telling the therapist the time is
// open for booking.
func TestWaitlistOfferInABlock(t *testing.T) {
	l := startLive(t)
	dana, omer := l.user(101, "Dana", "en"), l.user(102, "Omer", "en")
	l.bookTalk(dana, "Thu 3/12", "10:00")
	omer.say("/start talk").press("Adi Levi").press("Thu 3/12").press("🔔 Join the waitlist for this day").press("Any time").sees("You're on the waitlist.")
	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	l.runWaitlist()
	offer := omer.sees("A time has come free for you")
	office := l.admin(9500, "Office")
	office.say("/block").press("Adi Levi").press("Thu 3/12").press("The whole day").sees("in the middle of booking")
	office.press("🚫 Block it").sees("Blocked: Thu 3/12, all day")
	omer.sees("The time offered to you, Thu 3/12 10:00, is no longer available", "still on the waitlist")
	l.runWaitlist()
	id := offerOf(offer)
	omer.say("/start")
	omer.pressData("wt:" + id).sees("This offer is no longer open")
	for _, m := range l.fake.Messages(9001) {
		if strings.Contains(m.Text, "ההמתנה לא לקח") {
			t.Fatalf("the therapist was told a blocked time is open: %q", m.Text)
		}
	}
	if es, _ := l.bookings.Waitlist(context.Background(), tori.Client{ID: 102}); len(es) != 1 {
		t.Fatalf("entries %+v", es)
	}
}
