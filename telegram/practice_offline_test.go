package telegram_test

import (
	"context"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestPracticeBooksOfflineClient: the staff adds a client without Telegram
// and books for them from their card, then "Book the next one", /book by
// name and by phone, and a weekly series: every session carries their
// name, shows in the agenda and /client, and nothing is sent to them.
// Then their invite link attaches the sessions and the next reminder
// reaches them.
func TestPracticeBooksOfflineClient(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()
	ruth := l.admin(9500, "Ruth")
	ruth.say("/client new")
	ruth.say("Dana Cohen")
	ruth.say("050-123 4567").sees("Dana Cohen", "(no Telegram)")
	ruth.press("📅 Book").sees("Booking for", "Dana Cohen")
	ruth.press("Talk").press("Adi Levi").press("Thu 3/12").press("10:00").press("Book once").sees("Booked", "Dana Cohen")

	recs, err := l.bookings.Store.(tori.OfflineStore).FindOfflineClients(ctx, "Dana", "972", 2)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %+v %v", recs, err)
	}
	dana := recs[0]
	as := mustAppointments(t, l, dana.ID)
	if len(as) != 1 || as[0].Client.Name != "Dana Cohen" || as[0].Client.ChatID != 0 || !as[0].ByPractice {
		t.Fatalf("sessions %+v", as)
	}

	ruth.press("📅 Book the next one").sees("10 December 2026, 10:00")
	ruth.press("Book once").sees("Booked", "Dana Cohen")
	ruth.say("/book cohen").sees("Booking for", "Dana Cohen")
	ruth.say("/book 050-1234567").sees("Booking for", "Dana Cohen")
	ruth.press("Talk").press("Adi Levi").press("Tue 1/12").press("12:00").press("Make it weekly").press("4 sessions").sees("Nothing is booked yet")
	ruth.press("Book 4 sessions").sees("Booked for", "Dana Cohen", "4 sessions")
	if as = mustAppointments(t, l, dana.ID); len(as) != 6 {
		t.Fatalf("%d sessions, want 6: %+v", len(as), as)
	}
	for _, a := range as {
		if a.Client.Name != "Dana Cohen" || a.Client.ChatID != 0 || a.Status != tori.StatusConfirmed {
			t.Fatalf("session %+v", a)
		}
	}
	ruth.say("/client dana").sees("Dana Cohen", "No Telegram", "weekly")
	l.clock.Set(time.Date(2026, 12, 3, 7, 0, 0, 0, l.p.Location))
	ruth.say("/today").sees("Dana Cohen", "10:00")
	l.settle()
	for _, chat := range []int64{0, dana.ID} {
		if sent := l.sentTo(chat); len(sent) > 0 {
			t.Fatalf("sent to chat %d: %+v", chat, sent)
		}
	}

	// The invite link attaches every session; the next reminder reaches them.
	token := l.invite(ruth, dana)
	tg := l.user(301, "Dana", "en")
	tg.say("/start "+token).sees("Welcome, Dana Cohen!", "Thursday 3 December 2026, 10:00")
	if as = mustAppointments(t, l, 301); len(as) != 6 || as[0].Client.ChatID != 301 {
		t.Fatalf("attached %+v", as)
	}
	w := l.otherWorker()
	l.runWorker(w, 2*time.Hour)
	tg.sees("A reminder of your session", "Thursday 3 December 2026")
}
