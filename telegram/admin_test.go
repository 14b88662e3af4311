package telegram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/payments/paypaltest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// admin is a therapist or staff member chatting with the bot.
func (l *live) admin(id int64, first string) *tgUser {
	return &tgUser{l: l, u: telegramtest.User{ID: id, FirstName: first, LanguageCode: "en"}}
}

// pressData presses a button carrying data (forged or not) on the latest
// message and waits for the query to be answered.
func (c *tgUser) pressData(data string) *tgUser {
	c.l.t.Helper()
	all := c.l.fake.Messages(c.u.ID)
	msgs := withoutFiles(all)
	before := msgs[len(msgs)-1]
	qid := c.l.fake.PressData(c.u, before.ID, data)
	if _, err := c.l.fake.WaitAnswered(qid, wait); err != nil {
		c.l.t.Fatal(err)
	}
	// The bot answers the press and edits the message (or sends a new
	// one) side by side: wait for both.
	if _, err := c.l.fake.Wait(c.u.ID, wait, func(ms []telegramtest.Message) bool {
		return len(ms) > len(all) || lastEdits(ms, before.ID) > before.Edits
	}); err != nil {
		c.l.t.Fatal(err)
	}
	return c
}

func (l *live) bookTalk(c *tgUser, day, hm string) tori.Appointment {
	l.t.Helper()
	c.say("/start talk").press("Adi Levi").press(day).press(hm).press("Confirm").sees("You're booked.")
	l.settle() // the therapists' notices are in their chats
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
		"ag:20261203", "ao:" + a.ID, "ac:" + a.ID, "acc:" + a.ID, "an:" + a.ID, "ad:" + a.ID, "at:" + a.ID, "ar:" + a.ID, "acl:101", "ap:101:exempt",
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
	omer.paidIntake()
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
	history := adi.say("/client @dana").sees("לא הגיעו: 1", "ביטולים מאוחרים ואי־הגעות ברשומות: 1")
	if strings.Contains(labelsOf(history), "פטור") {
		t.Fatalf("a therapist of a shared practice may switch a practice-wide setting: %s", labelsOf(history))
	}
	// Noa never saw Dana: to her, Dana is unknown, forged buttons included.
	noa := l.admin(9002, "Noa")
	noa.say("/client @dana").sees("No client #101 has booked here yet")
	noa.pressData("ap:101:exempt").sees("Hello Noa!")
	if mode, _ := l.bookings.Store.Prepay(context.Background(), 101); mode != "" {
		t.Fatalf("prepay set by a forged button: %q", mode)
	}
	staff := l.admin(9500, "Office")
	staff.say("/client @dana").sees("no-shows: 1")
	staff.press("Exempt from prepayment").sees("exempt (pays at the session)")
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
	adi.press("לחסום ולבטל אותה").sees("נחסם", "פגישה אחת בוטלה")
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
	l.settle() // the relay is remembered once sent
	l.fake.Open(9001)
	l.fake.SendReply(telegramtest.User{ID: 9001, FirstName: "Adi"}, relayed.ID, "Of course, Tuesday works.")
	dana.sees("Adi Levi", "Of course, Tuesday works.")
	l.waitChat(9001, "sent", lastHas("נשלח."))

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

// TestCalendarLinks: /calendar shows a therapist the link to their feed,
// and the link opens it (served by package web, whose tests read the feed
// itself); a new link replaces it, and the old one opens nothing.
func TestCalendarLinks(t *testing.T) {
	l := startLive(t)
	adi := l.admin(9001, "Adi")
	linkIn := func(m telegramtest.Message) string {
		link := m.Text[strings.Index(m.Text, l.web.URL):]
		link = link[:strings.Index(link, "</code>")]
		return strings.ReplaceAll(link, "&amp;", "&")
	}
	get := func(u string) int {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	link := linkIn(adi.say("/calendar").sees("/calendar/adi.ics?token="))
	if code := get(link); code != 200 {
		t.Fatalf("the link shown answered %d", code)
	}
	renewed := linkIn(adi.press("קישור חדש").sees("/calendar/adi.ics?token="))
	if renewed == link || get(renewed) != 200 {
		t.Fatalf("the new link %s is the old one, or does not open", renewed)
	}
	if code := get(link); code != 404 {
		t.Fatalf("the old link answered %d", code)
	}
}

// TestBlockLeavesSessionsUnderWay: blocking the rest of a day at 15:00
// leaves the 10:00 session that took place alone (no cancellation, no
// refund), and the practice cannot cancel a session once it has started.
func TestBlockLeavesSessionsUnderWay(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	a := l.bookTalk(dana, "Thu 3/12", "10:00")
	l.clock.Set(time.Date(2026, 12, 3, 15, 0, 0, 0, l.p.Location))
	office := l.admin(9500, "Office")
	office.say("/block").sees("Whose time off?")
	office.press("Adi Levi").press("Thu 3/12").press("The whole day").sees("Nothing is booked then")
	office.press("🚫 Block it").sees("Blocked: Thu 3/12, all day")
	got, _ := l.bookings.Store.Appointment(context.Background(), a.ID)
	if got.Status != tori.StatusConfirmed || got.RefundState != tori.RefundNone {
		t.Fatalf("a session that took place was touched by a later block: %+v", got)
	}
	office.pressData("acc:" + a.ID).sees("already started, so it cannot be cancelled")
	if got, _ := l.bookings.Store.Appointment(context.Background(), a.ID); got.Status != tori.StatusConfirmed {
		t.Fatalf("cancelled after the start: %s", got.Status)
	}
}

// TestBlockOverHolds: a plain hold in the way is let go and its client
// told; a hold whose payment is pending at PayPal is not, and the admin is
// told of it. Neither counts as a booking in the question.
func TestBlockOverHolds(t *testing.T) {
	l := startLive(t)
	dana, omer := l.user(101, "Dana", "en"), l.user(102, "Omer", "en")
	_, approve := dana.holdIntake("10:00")
	l.pp.FailNext("capture", paypaltest.Pending)
	l.visit(approve)
	omer.say("/start talk").press("Adi Levi").press("Thu 3/12").press("15:00").sees("Confirm")
	office := l.admin(9500, "Office")
	office.say("/block").press("Adi Levi").press("Thu 3/12").press("The whole day").sees("Nothing is booked then", "in the middle of booking")
	office.press("🚫 Block it").sees("Blocked: Thu 3/12, all day", "A payment is going through at PayPal", "Dana")
	omer.sees("is no longer available: the practice is not available then")
	for _, c := range []int64{101, 102} {
		for _, a := range mustAppointments(t, l, c) {
			if c == 101 && (a.Status != tori.StatusHeld || a.PayState != tori.PayStatePending) {
				t.Fatalf("the paying hold: %s %s", a.Status, a.PayState)
			}
			if c == 102 && a.Status == tori.StatusHeld {
				t.Fatalf("the plain hold stayed")
			}
		}
	}
	// Omer's next message is passed on, not taken as part of a booking.
	omer.say("Is Friday possible?").sees("passed on to Adi Levi")
}

// TestBlockSeveralDaysAcrossWeeks: several days off can run into the next
// week.
func TestBlockSeveralDaysAcrossWeeks(t *testing.T) {
	l := startLive(t)
	adi := l.admin(9001, "Adi")
	adi.say("/block").press("ה׳ 3/12").press("כמה ימים").sees("החל מ־ה׳ 3/12")
	m := adi.press("השבוע הבא").sees("בחרו את היום האחרון")
	if strings.Contains(labelsOf(m), "ה׳ 3/12") || !strings.Contains(labelsOf(m), "ג׳ 8/12") {
		t.Fatalf("the next week: %s", labelsOf(m))
	}
	adi.press("ג׳ 8/12").sees("לחסום את")
	adi.press("לחסום").sees("נחסם")
	bs, _ := l.bookings.Store.Blocks(context.Background(), "adi", l.clock.Now())
	if len(bs) != 1 || !bs[0].Start.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, l.p.Location)) || !bs[0].End.Equal(time.Date(2026, 12, 9, 0, 0, 0, 0, l.p.Location)) {
		t.Fatalf("blocks %+v", bs)
	}
}

// TestNoteLeftOpenDoesNotSwallowAReply: an admin who opened a note and
// then answers a client's message answers the client; the note is dropped.
func TestNoteLeftOpenDoesNotSwallowAReply(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	a := l.bookTalk(dana, "Thu 3/12", "10:00")
	adi := l.admin(9001, "Adi")
	adi.pressData("ao:" + a.ID).press("הערה").sees("כתבו את ההערה הפרטית")
	dana.say("Can I bring my partner?").sees("passed on")
	msgs := l.waitChat(9001, "relay", lastHas("Can I bring my partner?"))
	l.settle() // the relay is remembered once sent
	l.fake.SendReply(telegramtest.User{ID: 9001, FirstName: "Adi"}, msgs[len(msgs)-1].ID, "Yes, of course.")
	dana.sees("Yes, of course.")
	l.waitChat(9001, "sent", lastHas("נשלח."))
	if got, _ := l.bookings.Store.Appointment(context.Background(), a.ID); got.Note != "" {
		t.Fatalf("the reply became the note: %q", got.Note)
	}
	// Any other command drops the open note too.
	adi.pressData("ao:" + a.ID).press("הערה").sees("כתבו את ההערה הפרטית")
	adi.say("/today")
	adi.say("just thinking aloud")
	if got, _ := l.bookings.Store.Appointment(context.Background(), a.ID); got.Note != "" {
		t.Fatalf("a note after /today: %q", got.Note)
	}
}

// TestRelayRetriedWhenTelegramFails: a message Telegram does not take for
// one of the therapist's chats is queued for that chat alone, and the
// worker's retry does not write twice to the chat that got it.
func TestRelayRetriedWhenTelegramFails(t *testing.T) {
	l := startLive(t)
	l.fake.Open(9011)
	dana := l.user(101, "Dana", "en")
	before := len(l.fake.Messages(9011))
	l.fake.FailNextIn(9001, "sendMessage", 1, 500, 0)
	dana.say("Running ten minutes late").sees("passed on")
	l.waitChat(9011, "second chat", lastHas("Running ten minutes late"))
	l.settle() // the failed one is queued
	q := l.bookings.Store.(interface {
		ClaimDue(context.Context, tori.Queue, string, time.Time, time.Duration, int) ([]tori.Claim, error)
	})
	claims, err := q.ClaimDue(context.Background(), tori.QueueRelay, "", l.clock.Now().Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("queued retries: %v %v", claims, err)
	}
	r, err := tori.DecodeRelay(claims[0].Member)
	if err != nil || r.Chat != 9001 || r.Text != "Running ten minutes late" {
		t.Fatalf("retry %+v %v", r, err)
	}
	n := bot.Notifier{Bot: l.bot, Send: l.tg.Send}
	if err := n.Relay(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	l.waitChat(9001, "retried", lastHas("Running ten minutes late"))
	if got := len(l.fake.Messages(9011)); got != before+1 {
		t.Fatalf("the chat that got it got %d messages, want 1", got-before)
	}
}
