package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori/bot"
)

// TestWantsState: the updates whose handling reads the chat's state are
// the ones the long-poller reads it for, beside the update's claim (the
// time buttons let go of the flow's hold first, and so on).
func TestWantsState(t *testing.T) {
	for _, c := range []struct {
		in   bot.Input
		want bool
	}{
		{bot.Input{Data: "t:intake:adi:202612011000"}, true}, // a time: the flow's hold is let go first
		{bot.Input{Data: "x:adi.abc"}, true},                 // stop: the flow's hold
		{bot.Input{Data: "rt:adi.abc:1kq2"}, true},           // a new time for a booking: likewise
		{bot.Input{Data: "wn:adi.abc"}, true},                // a waitlist offer passed on
		{bot.Input{Data: "d:intake:adi:20261201"}, false},
		{bot.Input{Data: "k:adi.abc"}, false},
		{bot.Input{Text: "/start intake"}, false},
		{bot.Input{Text: "/cancel"}, true}, // drops an admin's note
		{bot.Input{Text: "Can I bring my daughter?"}, true},
	} {
		if got := bot.WantsState(c.in); got != c.want {
			t.Errorf("WantsState(%+v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestStateReadBesideTheClaim: a turn given its chat's state (read beside
// the update's claim) goes by it, not by another read; without it, the
// turn reads the state itself.
func TestStateReadBesideTheClaim(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	ctx := context.Background()
	midFlow := func(in bot.Input) bool {
		for _, r := range w.bot.Handle(ctx, in).Replies {
			if strings.Contains(r.Text, "middle of booking") {
				return true
			}
		}
		return false
	}
	text := bot.Input{User: dana.c, Text: "Can I bring my daughter?"}

	// Redis has no state for the chat; the one passed in has a hold.
	in := text
	in.State, in.StateKnown = []byte(`{"hold":"adi.abc"}`), true
	if !midFlow(in) {
		t.Fatal("the state passed in (a hold) was not used")
	}
	if midFlow(text) {
		t.Fatal("without a state passed in or in Redis, the client is told they are booking")
	}
	// Redis has a hold; the state passed in says there is none.
	if err := w.store.SetChatState(ctx, dana.c.ChatID, []byte(`{"hold":"adi.abc"}`), 0); err != nil {
		t.Fatal(err)
	}
	in = text
	in.StateKnown = true
	if midFlow(in) {
		t.Fatal("a turn given its state read it again")
	}
	if !midFlow(text) {
		t.Fatal("a turn not given its state did not read it")
	}
}

// TestDeferredSave: with DeferSave, Handle leaves saving the chat's new
// state to its caller (Result.SaveState, which the Telegram adapter runs
// beside the replies), and what that saves is what Handle would have.
func TestDeferredSave(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dana := w.user(101, "Dana", "en")
	dana.say("/start").press("Book a session").press("Talk session").press("Adi Levi").press("Tue 1/12")
	b, ok := dana.button("10:00")
	if !ok {
		t.Fatalf("no 10:00 on:\n%s", dana.screen.Text)
	}
	res := w.bot.Handle(ctx, bot.Input{User: dana.c, Data: b.Data, MessageID: dana.screenID, CallbackID: "cq", DeferSave: true})
	dana.take(res)
	dana.sees("Tuesday 1 December 2026")
	if raw, err := w.store.ChatState(ctx, dana.c.ChatID); err != nil || raw != nil || res.SaveState == nil {
		t.Fatalf("before SaveState: state %q, %v; SaveState set: %v", raw, err, res.SaveState != nil)
	}
	res.SaveState(ctx)
	raw, err := w.store.ChatState(ctx, dana.c.ChatID)
	if err != nil || !strings.Contains(string(raw), `"hold":"adi.`) {
		t.Fatalf("after SaveState: %q, %v", raw, err)
	}
	// The flow goes on from the saved state: a message mid-flow is not
	// passed on to the practice.
	dana.say("Can I bring my daughter?")
	if last := w.last(dana.c.ChatID); !strings.Contains(last.Text, "middle of booking") {
		t.Fatalf("a message after the hold: %s", last.Text)
	}
	// An update that changes nothing leaves nothing to save.
	if res := w.bot.Handle(ctx, bot.Input{User: dana.c, Text: "/help", DeferSave: true}); res.SaveState != nil {
		t.Fatal("/help has a state to save")
	}
}
