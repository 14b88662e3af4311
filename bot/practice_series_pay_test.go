package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori"
)

// TestPracticeBooksPrepaidSeries: a weekly series of a prepaid intake for
// @dana with "a pay button before each session": every week awaits its
// payment by its own deadline, and Dana is told once how it is paid. For a
// client without Telegram, a series or a single session, only "to pay at
// the session" is offered, saying why (and a pay button is refused).
func TestPracticeBooksPrepaidSeries(t *testing.T) {
	w, dana, staff := practiceWorld(t)
	staff.say("/book @dana").press("Intake").press("Next week").press("Tue 8/12").press("10:00").press("Make it weekly").press("4 sessions")
	staff.sees("paid in advance", "pay button before each session")
	staff.press("Send a pay button before each session").sees("Nothing is booked yet", "Each session awaits its payment")
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked by the plan", n)
	}
	staff.press("Book 4 sessions").sees("Booked for", "4 sessions", "Each session awaits its payment")
	as := danaSessions(t, w)
	if len(as) != 4 {
		t.Fatalf("series %+v", as)
	}
	for _, a := range as {
		if a.Status != tori.StatusHeld || a.PayBy.IsZero() || !a.PayBy.Before(a.Start) || a.Due.Amount == 0 || !a.ByPractice {
			t.Fatalf("week %+v", a)
		}
	}
	told := 0
	for _, r := range w.inbox[dana.c.ChatID] {
		if strings.Contains(r.Text, "booked 4 sessions for you") {
			told++
			if !strings.Contains(r.Text, "Each session is paid in advance") || !strings.Contains(r.Text, "the first by Sunday 6 December 2026") {
				t.Fatalf("Dana told %q", r.Text)
			}
		}
	}
	if told != 1 {
		t.Fatalf("Dana told %d times", told)
	}

	// A client without Telegram: at each session only.
	o, err := tori.NewOfflineClient("Ruth Levi", "0521234567", w.p.Clients)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := w.bookings.Store.(tori.OfflineStore).CreateOfflineClient(context.Background(), o, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	staff.say("/book Ruth Levi").press("Intake").press("Next week").press("Wed 9/12").press("10:00").press("Make it weekly").press("4 sessions")
	staff.sees("has no Telegram", "paid at each session")
	if _, ok := staff.button("Send a pay button before each session"); ok {
		t.Fatal("a pay button offered for a client without Telegram")
	}
	staff.press("To pay at the session").press("Book 4 sessions").sees("Booked for", "Ruth Levi")
	all, err := w.store.ClientAppointments(context.Background(), rec.ID, w.clock.Now())
	if err != nil || len(all) != 4 || all[0].Status != tori.StatusConfirmed || all[0].Payment != tori.PayNone || all[0].Client.ChatID != 0 {
		t.Fatalf("Ruth's series %+v %v", all, err)
	}

	// And once: at the session only; a forged pay button books nothing held.
	staff.say("/book 052-123-4567").press("Intake").press("Next week").press("Thu 10/12").press("10:00").press("Book once")
	staff.sees("has no Telegram", "paid at the session")
	if _, ok := staff.button("Send a pay button"); ok {
		t.Fatal("a pay button offered for a client without Telegram")
	}
	if _, _, err := w.bookings.BookForClient(context.Background(), tori.PracticeBooking{TherapistID: "adi", ServiceID: "intake",
		Client: rec.Client(), Start: all[0].Start.AddDate(0, 0, 1), Pay: tori.PayByButton}); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("a pay button for a client without Telegram: %v", err)
	}
	staff.press("To pay at the session").sees("Booked", "Ruth Levi")
}
