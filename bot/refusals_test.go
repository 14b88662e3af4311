package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// bookVideo books u a video session with Adi at hm on Wednesday 2/12 and
// returns it.
func (w *world) bookVideo(u *user, hm string) tori.Appointment {
	w.t.Helper()
	u.say("/start video").press("Wed 2/12").press(hm).press("Confirm").sees("You're booked.")
	as, err := w.store.ClientAppointments(context.Background(), u.c.ID, time.Time{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range as {
		if a.Status == tori.StatusConfirmed && a.Start.In(w.p.Location).Format("15:04") == hm {
			return a
		}
	}
	w.t.Fatalf("no booking at %s", hm)
	return tori.Appointment{}
}

// TestRefusals: what a client or an admin is told when a use case refuses
// what they asked, one case each, the same message in the same words.
func TestRefusals(t *testing.T) {
	t.Run("OnePress", func(t *testing.T) {
		// Omer presses buttons of Dana's booking, or forged ones.
		w := newWorld(t)
		a := w.bookVideo(w.user(101, "Dana", "en"), "10:00")
		omer := w.user(102, "Omer", "en")
		for _, tc := range []struct{ data, want string }{
			{"s:nope", "That option is no longer offered"},
			{"q:" + a.ID, "That booking was not found"},
			{"y:" + a.ID, "That booking was not found"},
			{"r:" + a.ID, "That booking was not found"},
			{"wt:" + a.ID, "That offer was not found."},
			{"wn:" + a.ID, "That offer was not found."},
			{"wp:talk:*:20261101:20261102:any", "Those days have passed or are beyond the booking horizon."},
			{"ag:20261202", "Hello Omer!"}, // an admin's button: the client menu
			{"ao:" + a.ID, "Hello Omer!"},
			{"acc:" + a.ID, "Hello Omer!"},
			{"bw:adi:20261202", "Hello Omer!"},
		} {
			omer.screen = bot.Reply{} // each press answers with a screen of its own
			omer.pressData(tc.data).sees(tc.want)
		}
	})
	t.Run("HoldLimit", func(t *testing.T) {
		w := newWorld(t)
		w.p.Policy.MaxHoldsPerClient = 1
		dana := w.user(101, "Dana", "en")
		dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
		// The same client in another chat: one flow each, one hold at most.
		other := w.user(101, "Dana", "en")
		other.c.ChatID = 1011
		other.say("/start video").press("Wed 2/12").press("11:00").sees("You are already holding a time. A hold lasts 15 minutes")
	})
	t.Run("SameTime", func(t *testing.T) {
		w := newWorld(t)
		dana := w.user(101, "Dana", "en")
		a := w.bookVideo(dana, "10:00")
		dana.pressData("rt:" + a.ID + ":" + strconvUnixMinutes(a.Start)).sees("That is the time you are already booked for.")
		if _, ok := dana.button("Other days"); !ok {
			t.Fatalf("no way back to the calendar: %v", labels(dana.screen))
		}
	})
	t.Run("CancelTooLate", func(t *testing.T) {
		w := newWorld(t)
		dana := w.user(101, "Dana", "en")
		a := w.bookVideo(dana, "10:00")
		w.clock.Set(a.Start.Add(5 * time.Minute))
		dana.pressData("q:"+a.ID).sees("This session can no longer be cancelled here", "03-555-0100")
	})
	t.Run("AttendCancelled", func(t *testing.T) {
		w := newWorld(t)
		dana := w.user(101, "Dana", "en")
		a := w.bookVideo(dana, "10:00")
		dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
		dana.pressData("y:" + a.ID).sees("This booking can no longer be moved")
	})
	t.Run("TakenMeanwhile", func(t *testing.T) {
		w := newWorld(t)
		dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
		dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
		held := dana.screen
		w.clock.Set(w.clock.Now().Add(20 * time.Minute)) // Dana's hold ran out
		omer.say("/start video").press("Wed 2/12").press("10:00").press("Confirm").sees("You're booked.")
		dana.screen = held
		dana.press("Confirm").sees("Sorry, Wed 2/12 10:00 was just taken by someone else.", "These are the nearest free times")
	})
	t.Run("WaitlistLimit", func(t *testing.T) {
		w := newWorld(t)
		dana := w.user(101, "Dana", "en")
		for d := 1; d <= w.p.Waitlist.MaxEntries; d++ {
			day := fmt.Sprintf("202612%02d", d)
			dana.pressData("wp:talk:*:" + day + ":" + day + ":any").sees("You're on the waitlist.")
		}
		dana.pressData("wp:talk:*:20261210:20261210:any").sees("You're on the waitlist for 5 choices already, the most at once.")
	})
	t.Run("Admin", func(t *testing.T) {
		w := newWorld(t)
		a := w.bookVideo(w.user(101, "Dana", "en"), "10:00")
		staff := w.user(9500, "Ruth", "en")
		staff.pressData("ad:" + a.ID).sees("This session is booked, so that cannot be done now.")
		staff.say("/agenda 45/99").sees("I could not read the date 45/99.")
		staff.say("/agenda 2/12").sees("Wednesday 2 December 2026: one session")
		staff.say("/week").sees("The next seven days")
		staff.pressData("at:" + a.ID).sees("Write the private note")
		staff.say(strings.Repeat("x", 2001)).sees("A note can be up to 2,000 characters long.")
		staff.say("Shorter").sees("📝 Shorter")
	})
}
