package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// TestWeekOpensOnTheFirstFreeTime: a calendar opens on the week of the
// first free time, this week or a later one, and says so when there is
// none in the whole horizon.
func TestWeekOpensOnTheFirstFreeTime(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start intake").sees("Choose a day")
	if got := labels(dana.screen); !slices.Contains(got, "Mon 30/11") {
		t.Fatalf("this week has free times; the days offered: %v", got)
	}
	// Adi is away for the rest of this week and the next: the calendar
	// opens on the week after, with its own days.
	sun13 := tori.Date{Year: 2026, Month: 12, Day: 13}
	for d := tori.DateOf(w.clock.Now()); d.Before(sun13); d = d.AddDays(1) {
		w.p.Therapists[0].DaysOff = append(w.p.Therapists[0].DaysOff, d)
	}
	dana.say("/start intake").sees("Choose a day")
	if got := labels(dana.screen); !slices.Contains(got, "Sun 13/12") || slices.Contains(got, "Mon 30/11") || slices.Contains(got, "Mon 7/12") {
		t.Fatalf("Adi's first free day is Sunday 13/12; the days offered: %v", got)
	}
	// Away for the whole horizon: nothing to choose, and it is said.
	for d := sun13; !d.After(w.p.LastBookableDay(w.clock.Now())); d = d.AddDays(1) {
		w.p.Therapists[0].DaysOff = append(w.p.Therapists[0].DaysOff, d)
	}
	dana.say("/start intake").sees("There are no free times in the next")
}

func TestBookCancelFlow(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start").sees("Hello Dana!", "Tel Aviv Therapy")
	dana.press("Book a session").sees("Which session")
	dana.press("Talk session").sees("Who would you like to see?")
	dana.press("Adi Levi").sees("Choose a day")
	// The first week with free times is this week (Sunday 29/11 - Saturday 5/12);
	// Monday 30/11 still has afternoon times after the 2-hour notice.
	if _, ok := dana.button("Sun 29/11"); ok {
		t.Fatal("a past day is offered")
	}
	if _, ok := dana.button("Fri 4/12"); ok {
		t.Fatal("a day without working hours is offered")
	}
	if _, ok := dana.button("Previous week"); ok {
		t.Fatal("the week before this one is offered")
	}
	dana.press("Tue 1/12").sees("Tuesday 1 December 2026: choose a time.")
	dana.press("10:00").sees(
		"Please check your booking", "Talk session", "50 minutes", "With: Adi Levi",
		"When: Tuesday 1 December 2026, 10:00–10:50", "Where: 1 Herzl St, Tel Aviv", "Price: ₪350, paid at the session",
		"Cancelling is free of charge up to 48 hours before the session.",
		"Later cancellations cost 50% of the price up to 24 hours before, and the full price after that.",
		"held for you until <b>10:15</b>")
	notified := w.count(9001)
	dana.press("Confirm").sees("You're booked.", "When: Tuesday 1 December 2026, 10:00–10:50",
		"You can reschedule online until Monday 30 November 2026, 10:00.", "send /my")
	// Within 48 hours already, so no free-cancellation line.
	if strings.Contains(dana.screen.Text, "free of charge until") {
		t.Fatalf("free cancellation offered 24 hours ahead:\n%s", dana.screen.Text)
	}
	// Both of Adi's Telegram ids are told, in Adi's language (Hebrew).
	for _, id := range []int64{9001, 9011} {
		n := w.last(id)
		if !strings.Contains(n.Text, "תור חדש") || !strings.Contains(n.Text, "tg://user?id=101") || !strings.Contains(n.Text, "@dana") || !strings.Contains(shown(n.Text), "10:00–10:50") {
			t.Fatalf("therapist %d notice: %s", id, n.Text)
		}
	}
	if w.count(9001) != notified+1 {
		t.Fatal("the therapist was not told exactly once")
	}
	// A second press on Confirm tells nobody twice.
	dana.pressData(dana.screen.Keyboard[0][0].Data) // My bookings button is on the confirmation
	dana.say("/my").sees("Your upcoming bookings", "Talk session", "Tuesday 1 December 2026, 10:00–10:50")
	dana.press("Cancel 1").sees("Cancel this session?", "You are cancelling 24 hours before the session.",
		"a cancellation this late costs 50% of the price (₪175)")
	dana.press("No, keep it").sees("Your upcoming bookings")
	dana.press("Cancel 1")
	w.clock.Set(w.clock.Now().Add(2 * time.Hour)) // now 22 hours before: another tier
	dana.press("Yes, cancel it").sees("the time has passed a boundary of the cancellation policy",
		"a cancellation this late costs the full price (₪350)")
	yes, _ := dana.button("Yes, cancel it")
	dana.press("Yes, cancel it").sees("Cancelled.", "Adi Levi has been told")
	told := w.count(9001)
	// A double tap: the cancellation stays on the screen, and nobody is told twice.
	dana.pressData(yes.Data).sees("Cancelled.", "Adi Levi has been told")
	if w.count(9001) != told {
		t.Fatal("the therapist was told of one cancellation twice")
	}
	n := w.last(9001)
	if !strings.Contains(n.Text, "ביטול על ידי הלקוח/ה") || !strings.Contains(n.Text, "22 שעות") || !strings.Contains(n.Text, "0%") {
		t.Fatalf("cancel notice: %s", n.Text)
	}
	dana.say("/my").sees("You have no upcoming bookings.")
}

func TestRaceLoserGetsNearestTimes(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	for _, u := range []*user{dana, omer} {
		u.say("/start video").sees("Video session", "With Adi Levi")
		u.press("Tue 1/12")
	}
	dana.press("10:00").sees("held for you until")
	// The nearest times come from the failed hold's own read.
	reads := &busyReads{Store: w.bookings.Store}
	w.bookings.Store = reads
	omer.press("10:00").sees("Sorry, Tue 1/12 10:00 was just taken by someone else. These are the nearest free times:")
	if reads.n != 0 {
		t.Fatalf("the loser's nearest times took %d more reads of busy times", reads.n)
	}
	if _, ok := omer.button("Tue 1/12 10:00"); ok {
		t.Fatal("the taken time is offered again")
	}
	omer.press("Tue 1/12 09:00").sees("held for you until")
	dana.press("Confirm").sees("You're booked.", "join here: https://meet.example/adi")
	omer.press("Confirm").sees("You're booked.")
}

// busyReads counts the reads of busy times that are not a hold's own.
type busyReads struct {
	tori.Store
	n int
}

func (b *busyReads) BusyAll(ctx context.Context, ids []string, from, to, now time.Time) ([][]tori.Interval, error) {
	b.n++
	return b.Store.BusyAll(ctx, ids, from, to, now)
}

func TestRescheduleFlow(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Noa Cohen").press("Thu 3/12").press("14:00").press("Confirm").sees("You're booked.",
		"You can cancel free of charge until Tuesday 1 December 2026, 14:00.")
	dana.say("/my").press("Reschedule 1").sees("Reschedule", "Your current time stays booked")
	dana.press("Thu 3/12").press("14:30").sees("Move your session?", "Thursday 3 December 2026, 14:00–14:50", "To: <b>Thursday 3 December 2026, 14:30–15:20</b>")
	// While the move is pending the old time is still Dana's: Omer cannot take 13:30.
	omer := w.user(102, "Omer", "he")
	omer.say("/start talk").press("Noa Cohen").press("ה׳ 3/12")
	if _, ok := omer.button("13:30"); ok {
		t.Fatal("13:30 overlaps Dana's current booking, still held during the move")
	}
	dana.press("Confirm the new time").sees("Your session has been moved.", "Now: <b>Thursday 3 December 2026, 14:30–15:20</b>", "Was: <s>Thursday 3 December 2026, 14:00–14:50</s>")
	n := w.last(9002)
	if !strings.Contains(n.Text, "Rescheduled by the client") || !strings.Contains(n.Text, "was") && !strings.Contains(shown(n.Text), "Was: Thursday 3 December 2026, 14:00–14:50") {
		t.Fatalf("reschedule notice: %s", n.Text)
	}
	dana.say("/my").sees("14:30–15:20")
	if strings.Contains(shown(dana.screen.Text), "14:00–14:50") {
		t.Fatal("the old time is still listed")
	}
	// Too late to move: the day before.
	w.clock.Set(time.Date(2026, 12, 2, 18, 0, 0, 0, w.p.Location))
	dana.say("/my").press("Reschedule 1").sees("Sessions can be moved online up to 24 hours before")
}

func TestHebrewFlow(t *testing.T) {
	w := newWorld(t)
	omer := w.user(102, "עומר", "he")
	omer.say("/start").sees("שלום", "אני העוזר לקביעת תורים")
	omer.press("קביעת פגישה").press("פגישת שיחה").press("מי שפנוי ראשון").sees("בחרו יום")
	omer.press("ג׳ 1/12").sees("יום שלישי, 1 בדצמבר 2026: בחרו שעה.")
	omer.press("12:00").sees("בדקו בבקשה את פרטי התור", "מחיר: \u2066350\u00a0₪\u2069, תשלום בפגישה", "מדיניות ביטולים:", "ביטול לפחות 48 שעות לפני הפגישה הוא ללא עלות.")
	omer.press("אישור").sees("התור נקבע.", "אצל: \u2068Adi Levi\u2069", "2026, \u206612:00–12:50\u2069")
	omer.say("/my").press("ביטול 1").sees("לבטל את הפגישה?", "אתם מבטלים 26 שעות לפני הפגישה.").press("כן, לבטל").sees("הפגישה בוטלה.")
	// The second "first available" booking at the same time goes to Noa.
	dana := w.user(101, "Dana", "en")
	omer.say("/book").press("פגישת שיחה").press("מי שפנוי ראשון").press("ג׳ 1/12").press("12:00").press("אישור")
	dana.say("/book").press("Talk session").press("First available").press("Tue 1/12").press("12:00").press("Confirm").sees("With: Noa Cohen")
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "fr") // a language we do not speak: the practice's (English)
	dana.say("/start").sees("Hello Dana!")
	dana.say("/language").press("עברית").sees("שלום \u2068Dana\u2069!")
	if dana.notice != "השפה שונתה" {
		t.Fatalf("notice = %q", dana.notice)
	}
	dana.say("/help").sees("איך קובעים תור", "מדיניות ביטולים")
	dana.press("English").sees("Hello Dana!")
}

func TestUntrustedInput(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Tue 1/12").press("10:00").press("Confirm")
	var apptID string
	dana.say("/my")
	for _, row := range dana.screen.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Data, "q:") {
				apptID = strings.TrimPrefix(b.Data, "q:")
			}
		}
	}
	if apptID == "" {
		t.Fatal("no cancel button")
	}
	// Omer forges Dana's buttons: he learns nothing and changes nothing.
	for _, data := range []string{"q:" + apptID, "qq:" + apptID, "r:" + apptID, "rt:" + apptID + ":" + strings.Repeat("1", 6), "k:" + apptID, "x:" + apptID, "c:" + apptID} {
		omer.pressData(data)
		if strings.Contains(omer.screen.Text, "Video session") || strings.Contains(omer.screen.Text, "10:00") {
			t.Fatalf("%s showed Dana's booking to Omer:\n%s", data, omer.screen.Text)
		}
	}
	dana.say("/my").sees("Video session", "10:00–10:45")
	// Forged and malformed data: a plain message, never a crash.
	for _, data := range []string{"", "zz", "t:video:adi:zzzzzz", "t:video:noa:" + "qz0000", "w:nope:*:20261201", "d:video:adi:20261301", strings.Repeat("x", 200), "t:video:adi:1", "s:../../etc"} {
		omer.pressData(data)
		if omer.screen.Text == "" {
			t.Fatalf("no reply to %q", data)
		}
	}
	// A time that is not offered (3:07 in the morning) cannot be held.
	at := time.Date(2026, 12, 1, 3, 7, 0, 0, w.p.Location)
	omer.pressData(fmt.Sprintf("t:video:adi:%s", strconvUnixMinutes(at))).sees("was just taken")
	omer.say("/nonsense").sees("I don't know the command /nonsense")
	omer.say("hello <b>there</b>").sees("Your message has been passed on to Adi Levi.")
	if n := w.last(9001); !strings.Contains(n.Text, "hello &lt;b&gt;there&lt;/b&gt;") || n.RelayFrom != 102 {
		t.Fatalf("relayed as %+v", n)
	}
	omer.say("/start nope").sees("Hello Omer!")
}

// TestConfirmAfterChoosingAnotherTime: the summary of a hold let go (by
// choosing another time) says the hold is gone, not that someone took it.
func TestConfirmAfterChoosingAnotherTime(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
	old := dana.screen
	oldID := dana.screenID
	dana.say("/start video").press("Wed 2/12").press("11:00").sees("held for you")
	dana.screen, dana.screenID = old, oldID
	dana.press("Confirm").sees("This time is no longer held for you")
	if strings.Contains(dana.screen.Text, "taken") {
		t.Fatalf("blamed someone else:\n%s", dana.screen.Text)
	}
}

// TestMoveOfCancelledBooking: confirming a move of a booking cancelled
// meanwhile (from another message) says so and lets the new time go.
func TestMoveOfCancelledBooking(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").press("Confirm").sees("You're booked.")
	dana.say("/my").press("Reschedule 1").press("Thu 3/12").press("10:00").sees("Move your session?")
	moving, movingID := dana.screen, dana.screenID
	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	dana.screen, dana.screenID = moving, movingID
	dana.press("Confirm the new time").sees("This booking can no longer be moved")
	omer.say("/start video").press("Thu 3/12").press("10:00").sees("held for you")
}

// TestForgedAbandonLeavesOwnHold: pressing "Cancel" with someone else's hold
// id neither releases theirs nor forgets one's own.
func TestForgedAbandonLeavesOwnHold(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
	danaHold := strings.TrimPrefix(dana.screen.Keyboard[0][0].Data, "k:")
	omer.say("/start video").press("Wed 2/12").press("11:00").sees("held for you")
	omer.pressData("x:" + danaHold).sees("no longer held for you")
	omer.say("/cancel").sees("Stopped. Nothing was booked")
	// Dana's hold is intact: Omer cannot take 10:00.
	omer.say("/start video").press("Wed 2/12")
	if _, ok := omer.button("10:00"); ok {
		t.Fatal("Dana's held 10:00 is offered to Omer")
	}
}

func TestRepeatOffenderIsToldWhy(t *testing.T) {
	w := newWorld(t)
	w.p.Policy.RepeatCount, w.p.Policy.RepeatWithin = 1, 90*24*time.Hour
	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("15:00").press("Confirm").sees("You're booked.")
	dana.say("/my").press("Cancel 1").sees("You are cancelling 29 hours before the session.").press("Yes, cancel it").sees("Cancelled.")
	dana.say("/start talk").press("Adi Levi").press("Wed 2/12").press("15:00").sees(
		"Because of a late cancellation or a missed session in the last 90 days, this booking is paid in full in advance.",
		"Price: ₪350, paid in full now with PayPal")
	if _, ok := dana.button("Confirm and pay ₪350"); !ok {
		t.Fatalf("no pay button: %v", labels(dana.screen))
	}
}

// TestReminderButtons: a reminder's "I'll be there" is recorded and
// thanked; its Cancel leads to the usual quote.
func TestReminderButtons(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Thu 3/12").press("10:00").press("Confirm").sees("You're booked.")
	as, _ := w.store.ClientAppointments(context.Background(), 101, time.Time{})
	w.clock.Set(as[0].Start.Add(-24 * time.Hour))
	rs := w.bot.ReminderReplies(context.Background(), as[0], 24*time.Hour)
	if len(rs) != 1 || rs[0].ChatID != 101 || rs[0].EditID != 0 {
		t.Fatalf("%+v", rs)
	}
	w.deliver(bot.Result{Replies: rs})
	dana.screen, dana.screenID = rs[0], 777
	dana.sees("A reminder of your session", "Video session with Adi Levi, Thursday 3 December 2026, 10:00–10:45", "join here: https://meet.example/adi")
	// Omer pressing Dana's button learns nothing.
	omer.pressData(rs[0].Keyboard[0][0].Data).sees("That booking was not found")
	dana.press("I'll be there").sees("Thank you for letting us know. See you on Thursday 3 December 2026, 10:00–10:45.")
	if dana.notice != "Thank you!" {
		t.Fatalf("notice %q", dana.notice)
	}
	a, _ := w.store.Appointment(context.Background(), as[0].ID)
	if !a.Attending {
		t.Fatal("not recorded")
	}
	dana.screen = rs[0]
	dana.press("Cancel").sees("Cancel this session?", "You are cancelling 24 hours before the session.")
}

// TestTextDuringAFlowIsNotRelayed: text typed while holding a time gets a
// hint, not a message to the therapist.
func TestTextDuringAFlowIsNotRelayed(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start video").press("Tue 1/12").press("10:00").sees("held for you")
	before := w.count(9001)
	dana.say("is this ok?").sees("You are in the middle of booking")
	if w.count(9001) != before {
		t.Fatal("relayed during a flow")
	}
	dana.say("/cancel").sees("Stopped.")
	dana.say("is this ok?").sees("Your message has been passed on")
}
