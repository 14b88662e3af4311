package telegram_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestPracticeBooksThroughTelegram: through the real client and the fake
// Bot API, staff book a session for @dana outside Adi's hours (asked
// first, booked only after "Book anyway"); Dana gets the confirmation
// saying the practice booked it and the calendar file, Adi's chats the
// notice; Noa's forged buttons for Adi's calendar book nothing.
func TestPracticeBooksThroughTelegram(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	l.bookTalk(dana, "Wed 2/12", "10:00") // Dana has written to the bot: @dana is known
	before := len(l.fake.Messages(101))

	staff := l.admin(9500, "Reception")
	staff.say("/book @dana").sees("Booking for", "@dana")
	staff.press("Talk").press("Adi Levi").press("Tue 1/12").sees("every free time")
	staff.press("20:00 *").press("Book once").sees("outside the working hours", "Book anyway?")
	if n := len(mustAppointments(t, l, 101)); n != 1 {
		t.Fatalf("%d appointments before book anyway", n)
	}
	staff.press("Book anyway").sees("Booked")

	msgs := l.waitChat(101, "the confirmation and its file", func(ms []telegramtest.Message) bool { return len(ms) >= before+2 })
	got := msgs[before:]
	if !strings.Contains(got[0].Text, "Tel Aviv Therapy booked this session for you") || len(files(got)) != 1 {
		t.Fatalf("Dana received %+v", got)
	}
	l.settle()
	for _, id := range []int64{9001, 9011} {
		if ms := l.fake.Messages(id); len(ms) != 2 || !strings.Contains(ms[1].Text, "20:00") {
			t.Fatalf("therapist chat %d: %+v", id, ms)
		}
	}
	as := mustAppointments(t, l, 101)
	if len(as) != 2 || !as[0].ByPractice || as[0].Status != tori.StatusConfirmed || as[1].ByPractice { // in time order: Tuesday's first
		t.Fatalf("appointments %+v", as)
	}

	// Noa, forging Adi's calendar into a flow of hers: refused, nothing booked.
	noa := l.admin(9002, "Noa")
	noa.say("/book 101").press("Talk")
	last := withoutFiles(l.fake.Messages(9002))
	tok := strings.Split(buttonData(t, last[len(last)-1], "Tue 1/12"), ":")[1]
	at := strconv.FormatInt(as[0].Start.AddDate(0, 0, 7).Unix()/60, 36)
	noa.pressData("fb:" + tok + ":talk:adi:" + at + ":oa").sees("What would you like to do")
	if n := len(mustAppointments(t, l, 101)); n != 2 {
		t.Fatalf("%d appointments after Noa's forged press", n)
	}
}
