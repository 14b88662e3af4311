package bot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot/telegramtest"
)

// admin is a therapist or staff member chatting with the bot.
func (l *live) admin(id int64, first string) *tgUser {
	return &tgUser{l: l, u: telegramtest.User{ID: id, FirstName: first, LanguageCode: "en"}}
}

func (l *live) bookTalk(c *tgUser, day, hm string) tori.Appointment {
	l.t.Helper()
	c.say("/start talk").press("Adi Levi").press(day).press(hm).press("Confirm").sees("You're booked.")
	as := mustAppointments(l.t, l, c.u.ID)
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Status == tori.StatusConfirmed {
			return as[i]
		}
	}
	l.t.Fatal("no booking")
	return tori.Appointment{}
}

// TestNonAdminCannotReachAdmin: a client who types admin commands, or
// forges every admin button for someone's booking, gets the client menu
// and changes nothing.
func TestNonAdminCannotReachAdmin(t *testing.T) {
	l := startLive(t)
	dana, omer := l.user(101, "Dana", "en"), l.user(102, "Omer", "en")
	a := l.bookTalk(dana, "Thu 3/12", "10:00")
	for _, cmd := range []string{"/today", "/week", "/agenda 3/12", "/block", "/unblock", "/client @dana", "/calendar"} {
		omer.say(cmd).sees("Hello Omer!", "book a session")
	}
	msg := withoutFiles(l.fake.Messages(102))
	last := msg[len(msg)-1]
	for _, data := range []string{
		"ag:20261203", "ao:" + a.ID, "ac:" + a.ID, "acc:" + a.ID, "an:" + a.ID, "ad:" + a.ID, "at:" + a.ID, "acl:101", "ap:101:exempt",
		"bw:adi:20261203", "bd:adi:20261203", "bx:adi:D2026120320261203", "by:adi:D2026120320261203:c", "ux:adi:blk-abcdefgh", "kr:adi",
	} {
		qid := l.fake.PressData(omer.u, last.ID, data)
		if _, err := l.fake.WaitAnswered(qid, wait); err != nil {
			t.Fatal(err)
		}
		omer.sees("Hello Omer!")
		if strings.Contains(withoutFiles(l.fake.Messages(102))[len(withoutFiles(l.fake.Messages(102)))-1].Text, "Dana") {
			t.Fatalf("%s showed Dana to Omer", data)
		}
	}
	got, _ := l.bookings.Store.Appointment(context.Background(), a.ID)
	if got.Status != tori.StatusConfirmed || got.Note != "" {
		t.Fatalf("changed by forged buttons: %+v", got)
	}
	if p, _ := l.bookings.Store.Prepay(context.Background(), 101); p != "" {
		t.Fatal("prepay changed by a forged button")
	}
	// Noa manages only her own calendar: Adi's booking is out of her reach.
	noa := l.admin(9002, "Noa")
	noa.say("/today").sees("Monday 30 November 2026")
	qid := l.fake.PressData(noa.u, withoutFiles(l.fake.Messages(9002))[0].ID, "ao:"+a.ID)
	if _, err := l.fake.WaitAnswered(qid, wait); err != nil {
		t.Fatal(err)
	}
	noa.sees("Hello Noa!")
}

// TestPracticeCancelsFromTheAgenda: the therapist opens the day, taps a
// paid booking and cancels it as the practice: a full refund, an apology
// with times to rebook, and the refund reported back.
func TestPracticeCancelsFromTheAgenda(t *testing.T) {
	l := startLive(t)
	omer := l.user(102, "עומר", "he")
	omer.say("/start intake").press("ה׳ 3/12").press("10:00").press("אישור ותשלום")
	_, approve := omer.payButton()
	l.visit(approve)
	omer.sees("התור נקבע.")
	l.clock.Set(time.Date(2026, 12, 3, 8, 0, 0, 0, l.p.Location))
	staff := l.admin(9500, "Ruth")
	staff.say("/today").sees("Thursday 3 December 2026: one session", "עומר", "Intake", "paid ₪350.50")
	staff.press("10:00 · עומר").sees("Status: booked")
	staff.press("Cancel as the practice").sees("Cancel this session as the practice?")
	staff.press("Yes: cancel, refund in full").sees("Cancelled as the practice.", "₪350.50 has been refunded")
	omer.sees("הפגישה שלכם בוטלה על ידי הקליניקה", "הוחזרו לחשבון ה־PayPal שלכם", "אלה המועדים הפנויים הקרובים")
	as := mustAppointments(t, l, 102)
	o, _ := l.pp.Order(as[0].OrderID)
	if rf := l.pp.Refunds(o.Capture.ID); len(rf) != 1 || rf[0].Value != "350.50" {
		t.Fatalf("refunds %+v", rf)
	}
}

// TestNoShowCountsAndNote: the therapist marks a no-show and writes a note;
// with the repeat-offender rule at one, the client's next booking is
// prepaid, and /client shows the history and switches it back.
func TestNoShowCountsAndNote(t *testing.T) {
	l := startLive(t)
	l.p.Policy.RepeatCount, l.p.Policy.RepeatWithin = 1, 90*24*time.Hour
	dana := l.user(101, "Dana", "en")
	a := l.bookTalk(dana, "Tue 1/12", "10:00")
	l.clock.Set(a.Start.Add(20 * time.Minute))
	adi := l.admin(9011, "Adi")
	adi.say("/today").sees("יום שלישי, 1 בדצמבר 2026") // Adi's language is Hebrew
	adi.press("10:00 · Dana").press("לא הגיע/ה").sees("לא הגיע/ה")
	adi.press("הערה").sees("כתבו את ההערה הפרטית")
	adi.say("Called twice, no answer").sees("📝", "Called twice, no answer")
	got, _ := l.bookings.Store.Appointment(context.Background(), a.ID)
	if got.Status != tori.StatusNoShow || got.Note != "Called twice, no answer" {
		t.Fatalf("%+v", got)
	}
	summary := dana.say("/start talk").press("Adi Levi").press("Thu 3/12").press("10:00").sees("this booking is paid in full in advance")
	if !strings.Contains(labelsOf(summary), "Confirm and pay ₪350") || strings.Contains(summary.Text, "Called twice") {
		t.Fatalf("summary %q %s", summary.Text, labelsOf(summary))
	}
	adi.say("/client @dana").sees("לא הגיעו: 1", "ביטולים מאוחרים ואי־הגעות ברשומות: 1")
	adi.press("פטור מתשלום מראש").sees("פטור (תשלום בפגישה)")
	dana.say("/start talk").press("Adi Levi").press("Thu 3/12").press("11:00").sees("Price: ₪350, paid at the session")
}

// TestBlockOverBookings: a day blocked over a booking lists it, cancels it
// as the practice on request, and takes the day away from clients at once.
func TestBlockOverBookings(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	l.bookTalk(dana, "Thu 3/12", "10:00")
	adi := l.admin(9001, "Adi")
	adi.say("/block").sees("בחרו יום")
	adi.press("ה׳ 3/12").press("כל היום").sees("יש בזמן הזה פגישה אחת", "Dana")
	adi.press("לחסום ולבטל אותם").sees("נחסם", "תור אחד בוטל")
	dana.sees("your session has been cancelled by the practice")
	omer := l.user(102, "Omer", "en")
	week := omer.say("/start talk").press("Adi Levi").sees("Choose a day")
	if strings.Contains(labelsOf(week), "Thu 3/12") {
		t.Fatalf("the blocked day is offered: %s", labelsOf(week))
	}
	adi.say("/unblock").sees("חסימות קרובות")
	adi.press("שחרור").sees("אין חסימות קרובות")
	week = omer.say("/start talk").press("Adi Levi").sees("Choose a day")
	if !strings.Contains(labelsOf(week), "Thu 3/12") {
		t.Fatalf("the unblocked day is not offered: %s", labelsOf(week))
	}
	// Part of a day, kept bookings: only those hours go.
	adi.say("/block").press("ד׳ 2/12").press("חלק מהיום").press("12:00").press("15:00").sees("לחסום את")
	adi.press("לחסום").sees("נחסם")
	day := omer.say("/start talk").press("Adi Levi").press("Wed 2/12").sees("choose a time")
	if l := labelsOf(day); strings.Contains(l, "12:00") || strings.Contains(l, "11:30") || !strings.Contains(l, "15:00") || !strings.Contains(l, "11:00") {
		t.Fatalf("times around a 12:00-15:00 block: %s", l)
	}
}

func labelsOf(m telegramtest.Message) string {
	var b strings.Builder
	for _, row := range m.Keyboard {
		for _, btn := range row {
			b.WriteString(btn.Text + " | ")
		}
	}
	return b.String()
}

// TestRelayInsideAndOutsideHours: a client's message is passed on inside
// messaging hours and the therapist's reply comes back; outside them the
// client is told when it will be read (across a clock change) and the
// worker passes it on then.
func TestRelayInsideAndOutsideHours(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("Hello, can we talk about next week?").sees("Your message has been passed on to Adi Levi.")
	msgs := l.waitChat(9001, "relay", lastHas("Hello, can we talk about next week?", "Dana"))
	relayed := msgs[len(msgs)-1]
	l.fake.Open(9001)
	l.fake.SendReply(telegramtest.User{ID: 9001, FirstName: "Adi"}, relayed.ID, "Of course, Tuesday works.")
	dana.sees("Adi Levi", "Of course, Tuesday works.")

	// Thursday 25 March 2027, 20:00: closed until Sunday 09:00, after
	// Jerusalem moved to summer time on Friday the 26th.
	l.clock.Set(time.Date(2027, 3, 25, 20, 0, 0, 0, l.p.Location))
	dana.say("A question for after the weekend").sees("outside the practice's messaging hours", "Sunday 28 March 2027, 09:00")
	if n := len(l.fake.Messages(9001)); n != 2 { // the first message, and "Sent." for the reply
		t.Fatalf("passed on outside hours: %d messages", n)
	}
	claims, err := l.bookings.Store.(interface {
		ClaimDue(context.Context, tori.Queue, string, time.Time, time.Duration, int) ([]tori.Claim, error)
	}).ClaimDue(context.Background(), tori.QueueRelay, "", time.Date(2027, 3, 28, 6, 0, 0, 0, time.UTC), time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("due at 06:00Z (09:00 IDT): %v %v", claims, err)
	}
}

// TestCalendarFeed: a therapist's /calendar link serves their booked
// sessions; a wrong token (or the old one after a new link) is 404.
func TestCalendarFeed(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana Levi", "en")
	l.bookTalk(dana, "Thu 3/12", "10:00")
	adi := l.admin(9001, "Adi")
	m := adi.say("/calendar").sees("/calendar/adi.ics?token=")
	link := m.Text[strings.Index(m.Text, l.web.URL):]
	link = link[:strings.Index(link, "</code>")]
	link = strings.ReplaceAll(link, "&amp;", "&")
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get(link)
	if code != 200 {
		t.Fatalf("%d", code)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil || len(cal.Events()) != 1 || !strings.Contains(string(body), "SUMMARY:Dana · פגישת שיחה") {
		t.Fatalf("feed %v:\n%s", err, body)
	}
	for _, bad := range []string{link + "x", strings.Replace(link, "adi.ics", "noa.ics", 1), l.web.URL + "/calendar/adi.ics", l.web.URL + "/calendar/nobody.ics?token=x"} {
		if code, body := get(bad); code != 404 || strings.Contains(string(body), "Dana") {
			t.Fatalf("%s answered %d", bad, code)
		}
	}
	adi.press("קישור חדש").sees("/calendar/adi.ics?token=")
	if code, _ := get(link); code != 404 {
		t.Fatal("the old link still works")
	}
}
