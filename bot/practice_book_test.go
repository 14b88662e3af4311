package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// practiceWorld is a world where Dana (101) has written to the bot, with
// staff (9500) and the therapists Adi (9001) and Noa (9002).
func practiceWorld(t *testing.T) (*world, *user, *user) {
	t.Helper()
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	if err := w.store.RememberClient(context.Background(), dana.c, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return w, dana, w.user(9500, "Reception", "en")
}

// forDay takes who from /book for Dana to Tuesday 1 December's times
// for a talk with Adi.
func forDay(who *user, day string) *user {
	who.say("/book @dana").sees("Booking for", "dana").press("Talk")
	if _, ok := who.button("Adi"); ok {
		who.press("Adi")
	}
	return who.press(day)
}

// danaSessions is Dana's upcoming bookings and holds.
func danaSessions(t *testing.T, w *world) []tori.Appointment {
	t.Helper()
	all, err := w.store.ClientAppointments(context.Background(), 101, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []tori.Appointment
	for _, a := range all {
		if a.Status == tori.StatusConfirmed || a.Status == tori.StatusHeld {
			out = append(out, a)
		}
	}
	return out
}

// TestStaffBooksForClient: staff book a talk for @dana; Dana gets the
// confirmation saying the practice booked it, with the calendar file; Adi
// the usual notice; the booking is the practice's.
func TestStaffBooksForClient(t *testing.T) {
	w, dana, staff := practiceWorld(t)
	forDay(staff, "Tue 1/12").sees("every free time").press("10:00").sees("Book this session once")
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked by the summary", n)
	}
	staff.press("Book once").sees("Booked", "dana")

	as := danaSessions(t, w)
	if len(as) != 1 || !as[0].ByPractice || as[0].Status != tori.StatusConfirmed || as[0].Start.In(w.p.Location).Format("Jan 2 15:04") != "Dec 1 10:00" {
		t.Fatalf("booked %+v", as)
	}
	in := w.inbox[dana.c.ChatID]
	if len(in) != 2 || !strings.Contains(in[0].Text, "Tel Aviv Therapy booked this session for you") || !strings.Contains(in[0].Text, "What happens next") || in[1].Document == nil {
		t.Fatalf("Dana received %+v", in)
	}
	if !strings.Contains(w.last(9001).Text, "tg://user?id=101") || !strings.Contains(w.last(9011).Text, "10:00") {
		t.Fatalf("Adi was told %q", w.last(9001).Text)
	}
}

// TestTherapistBooksOutsideHours: Adi books 20:00 (outside his hours):
// asked first, nothing booked until "Book anyway"; Dana is told Adi
// booked it, and Adi, who booked it, gets no notice of his own booking.
func TestTherapistBooksOutsideHours(t *testing.T) {
	w, dana, _ := practiceWorld(t)
	w.p.Therapists[0].Lang = "en" // Adi reads his admin views in English here
	adi := w.user(9001, "Adi", "en")
	forDay(adi, "Tue 1/12").press("20:00 *").sees("outside the working hours").press("Book once").sees("Book anyway?")
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked before book anyway", n)
	}
	before := w.count(9001)
	adi.press("Book anyway").sees("Booked")
	if as := danaSessions(t, w); len(as) != 1 || as[0].Start.In(w.p.Location).Format("15:04") != "20:00" {
		t.Fatalf("booked %+v", as)
	}
	if !strings.Contains(w.inbox[dana.c.ChatID][0].Text, "Adi Levi booked this session for you") {
		t.Fatalf("Dana was told %q", w.inbox[dana.c.ChatID][0].Text)
	}
	if w.count(9001) != before+1 { // only the answer in his own chat
		t.Fatalf("Adi received %d messages", w.count(9001)-before)
	}
}

// TestPracticeBookingRefusedOverOthers: a time another client holds, or
// the therapist blocked, is not offered, and a press for it (an old
// screen) is refused plainly with nothing booked.
func TestPracticeBookingRefusedOverOthers(t *testing.T) {
	w, _, staff := practiceWorld(t)
	ctx := context.Background()
	omer := w.user(102, "Omer", "he")
	at := func(hm string) time.Time {
		m, _ := tori.ParseMinute(hm)
		return tori.Date{Year: 2026, Month: 12, Day: 1}.At(m, w.p.Location)
	}
	forDay(staff, "Tue 1/12")
	book, _ := staff.button("10:00")
	if _, err := w.bookings.Hold(ctx, omer.c, "talk", "adi", at("10:00"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.bookings.Block(ctx, "adi", at("16:00"), at("17:00")); err != nil {
		t.Fatal(err)
	}
	staff.pressData(book.Data).press("Book once").sees("is not free", "Nothing was booked")
	if _, ok := staff.button("10:00"); ok {
		t.Fatal("10:00 offered over Omer's hold")
	}
	if _, ok := staff.button("16:30"); ok {
		t.Fatal("16:30 offered over time off")
	}
	forged := strings.Replace(book.Data, ":"+strconvUnixMinutes(at("10:00")), ":"+strconvUnixMinutes(at("16:30")), 1)
	staff.pressData(strings.Replace(forged, "ft:", "fb:", 1) + ":o").sees("is not free")
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked over others", n)
	}
}

// TestTherapistCannotBookOthersCalendar: Noa's buttons for Adi's calendar,
// forged from a flow of hers, book nothing and are refused.
func TestTherapistCannotBookOthersCalendar(t *testing.T) {
	w, _, _ := practiceWorld(t)
	noa := w.user(9002, "Noa", "en")
	noa.say("/book 101").press("Talk") // Noa gives talks: straight to her week
	b, ok := noa.button("Tue 1/12")
	if !ok || !strings.Contains(b.Data, ":noa:") {
		t.Fatalf("Noa's week: %v", labels(noa.screen))
	}
	tok := strings.Split(b.Data, ":")[1]
	m, _ := tori.ParseMinute("12:00")
	at := strconvUnixMinutes(tori.Date{Year: 2026, Month: 12, Day: 1}.At(m, w.p.Location))
	for _, data := range []string{"fw:" + tok + ":talk:adi:20261201", "fd:" + tok + ":talk:adi:20261201", "ft:" + tok + ":talk:adi:" + at, "fb:" + tok + ":talk:adi:" + at + ":o", "fb:" + tok + ":talk:adi:" + at + ":14y"} {
		noa.pressData(data).sees("What would you like to do")
	}
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked on Adi's calendar by Noa", n)
	}
}

// TestBookTheNextOne: "Book the next one" on a session's card asks at once
// for the same time a week later, and books it.
func TestBookTheNextOne(t *testing.T) {
	w, _, staff := practiceWorld(t)
	forDay(staff, "Tue 1/12").press("10:00").press("Book once")
	first := danaSessions(t, w)[0]
	staff.pressData("ao:" + first.ID).press("Book the next one").sees("8 December 2026, 10:00").press("Book once").sees("Booked")
	as := danaSessions(t, w)
	if len(as) != 2 || !as[1].Start.Equal(first.Start.AddDate(0, 0, 7)) || as[1].TherapistID != "adi" || as[1].ServiceID != "talk" {
		t.Fatalf("booked %+v", as)
	}

	// And from Dana's card.
	staff.say("/client @dana").press("Book").sees("Booking for", "dana")
}

// TestPracticeBooksWeeklySeries: a weekly series of 4 from /book, each
// occurrence the practice's, and one until further notice.
func TestPracticeBooksWeeklySeries(t *testing.T) {
	w, dana, staff := practiceWorld(t)
	forDay(staff, "Tue 1/12").press("10:00").press("Make it weekly").press("4 sessions").sees("Nothing is booked yet")
	if n := len(danaSessions(t, w)); n != 0 {
		t.Fatalf("%d sessions booked by the plan", n)
	}
	staff.press("Book 4 sessions").sees("Booked for", "4 sessions")
	as := danaSessions(t, w)
	if len(as) != 4 || as[0].Series == "" || !as[3].ByPractice || !as[3].Start.Equal(as[0].Start.AddDate(0, 0, 21)) {
		t.Fatalf("series %+v", as)
	}
	if last := w.last(dana.c.ChatID); last.Document == nil {
		t.Fatalf("Dana's last message is not the calendar file: %+v", last)
	}

	forDay(staff, "Wed 2/12").press("10:00").press("Every 2 weeks").press("Until further notice").sees("until further notice").press("Book")
	sr, err := w.bookings.Series(context.Background(), danaSessions(t, w)[1].Series)
	if err != nil || sr.Rule.Count != 0 || sr.ExtendAt.IsZero() || !sr.Rule.ByPractice {
		t.Fatalf("open-ended series %+v %v", sr, err)
	}
}

// TestPracticeBooksPrepaid: a prepaid intake: "Send a pay button" holds it
// until 24 hours on, and Dana gets the pay button and the deadline; "to pay
// at the session" books it with nothing due.
func TestPracticeBooksPrepaid(t *testing.T) {
	w, dana, staff := practiceWorld(t)
	staff.say("/book @dana").press("Intake").press("Next week").press("Tue 8/12").press("10:00").press("Book once").sees("paid in advance")
	staff.press("Send a pay button").sees("Held for payment", "1 December 2026, 10:00")
	as := danaSessions(t, w)
	want := w.clock.Now().Add(24 * time.Hour)
	if len(as) != 1 || as[0].Status != tori.StatusHeld || !as[0].PayBy.Equal(want) || !as[0].HoldUntil.Equal(want) {
		t.Fatalf("held %+v, want until %s", as, want)
	}
	msg := w.last(dana.c.ChatID)
	if !strings.Contains(msg.Text, "held for you until <b>Tuesday 1 December 2026, 10:00") || len(msg.Keyboard) == 0 || !strings.HasPrefix(msg.Keyboard[0][0].Data, "k:") {
		t.Fatalf("Dana's pay message %+v", msg)
	}

	staff.say("/book @dana").press("Intake").press("Next week").press("Wed 9/12").press("10:00").press("Book once").press("To pay at the session").sees("Booked")
	as = danaSessions(t, w)
	if len(as) != 2 || as[1].Status != tori.StatusConfirmed || as[1].Due.Amount != 0 || as[1].Payment != tori.PayNone {
		t.Fatalf("at the session %+v", as)
	}
}

// TestParseForOpts: the practice's booking options are read strictly.
func TestParseForOpts(t *testing.T) {
	head := "fb:abcdefghij:talk:adi:" + strconvUnixMinutes(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)) + ":"
	for _, ok := range []string{"o", "oa", "oab", "oas", "1", "2", "112", "10", "2104", "14aky", "10sy"} {
		if _, parsed := bot.ParseCallback(head + ok); !parsed {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "x", "o1", "11", "1105", "012", "101", "1bs", "oya", "oaa", "1A", "2 4", "1-1", "o4y", "112kyk"} {
		if _, parsed := bot.ParseCallback(head + bad); parsed {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPracticeBookingNeverMessagesWithoutChat: a client with no Telegram
// chat (ChatID 0) is booked from their session's card and never sent a
// message.
func TestPracticeBookingNeverMessagesWithoutChat(t *testing.T) {
	w, _, staff := practiceWorld(t)
	ruth := tori.Client{ID: 555, Name: "Ruth", Lang: "en"}
	m, _ := tori.ParseMinute("10:00")
	a, _, err := w.bookings.BookForClient(context.Background(), tori.PracticeBooking{TherapistID: "adi", ServiceID: "talk", Client: ruth,
		Start: tori.Date{Year: 2026, Month: 12, Day: 1}.At(m, w.p.Location)})
	if err != nil {
		t.Fatal(err)
	}
	staff.pressData("ao:"+a.ID).press("Book the next one").press("Book once").sees("Booked", "Ruth")
	all, err := w.store.ClientAppointments(context.Background(), 555, time.Time{})
	if err != nil || len(all) != 2 || all[1].Client.ChatID != 0 {
		t.Fatalf("Ruth's sessions %+v %v", all, err)
	}
	if n := w.count(555) + w.count(0); n != 0 {
		t.Fatalf("%d messages sent to a client without Telegram", n)
	}
}

// TestBookAsksWho: /book alone asks who; the next text names the client.
func TestBookAsksWho(t *testing.T) {
	_, _, staff := practiceWorld(t)
	staff.say("/book").sees("Who is the session for?")
	staff.say("@dana").sees("Booking for", "dana").press("Talk")
	staff.say("/book").say("@nobody").sees("No client @nobody")
}

// TestPracticeBookingInHebrew: a Hebrew-speaking client booked by staff is
// told in Hebrew, with the practice's name isolated.
func TestPracticeBookingInHebrew(t *testing.T) {
	w, _, staff := practiceWorld(t)
	omer := w.user(102, "Omer", "he")
	if err := w.store.RememberClient(context.Background(), omer.c, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.store.SetLanguage(context.Background(), 102, "he", w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	staff.say("/book @omer").press("Talk").press("Adi").press("Tue 1/12").press("10:00").press("Book once").sees("Booked")
	in := w.inbox[102]
	if len(in) != 2 || !strings.Contains(in[0].Text, "קבע/ה עבורך את הפגישה הזו") || !strings.Contains(in[0].Text, "Tel Aviv Therapy") || in[1].Document == nil {
		t.Fatalf("Omer received %+v", in)
	}
}
