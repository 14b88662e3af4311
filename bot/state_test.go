package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
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

// TestPollingReadsStateBesideTheClaim: a long-polled press of a time reads
// its chat's state in the claim's pipeline, and not again on its own.
func TestPollingReadsStateBesideTheClaim(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	gets := &stateGets{key: "tori:chat:20001"}
	rdb.AddHook(gets)
	l := startLiveOn(t, storage.New(rdb, "tori:"))
	c := l.user(20001, "Client", "en")
	c.say("/start intake").sees("Intake", "Choose a day")
	c.press("Tue 1/12")
	gets.reset()
	c.press("09:00").sees("Please check your booking")
	alone, piped := gets.reset()
	if alone != 0 || piped != 1 {
		t.Fatalf("the time's press read the chat state %d time(s) on its own and %d in a pipeline; want 0 and 1", alone, piped)
	}
}

// stateGets counts the reads of one key: alone, and in pipelines.
type stateGets struct {
	key          string
	alone, piped atomic.Int64
}

func (g *stateGets) reset() (alone, piped int) {
	return int(g.alone.Swap(0)), int(g.piped.Swap(0))
}

func (g *stateGets) isGet(cmd redis.Cmder) bool {
	a := cmd.Args()
	return cmd.Name() == "get" && len(a) == 2 && a[1] == g.key
}

func (g *stateGets) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *stateGets) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if g.isGet(cmd) {
			g.alone.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (g *stateGets) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if g.isGet(cmd) {
				g.piped.Add(1)
			}
		}
		return next(ctx, cmds)
	}
}
