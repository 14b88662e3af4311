package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tori-bot/tori/bot"
)

// TestWantsState: the updates whose handling reads the chat's state are
// the ones the long-poller reads it for, beside the update's claim.
func TestWantsState(t *testing.T) {
	for _, c := range []struct {
		in   bot.Input
		want bool
	}{
		{bot.Input{Data: "t:intake:adi:202612011000"}, true}, // a time: the flow's hold is let go first
		{bot.Input{Data: "x:adi.abc"}, true},                 // stop: the flow's hold
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
