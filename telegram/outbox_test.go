package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tori-bot/tori/bot"
)

// TestOutboxTakesWhatFitsOneMessage: the notices waiting at the head of a
// chat's queue go together while they fit in Telegram's 4,096 characters
// (Hebrew counted in characters, not bytes); a longer run is split, and a
// message that is not a notice (buttons, a relay) is never merged and
// keeps its place.
func TestOutboxTakesWhatFitsOneMessage(t *testing.T) {
	notice := func(n int) outItem {
		text := strings.Repeat("ת", n) // two bytes each
		return outItem{r: bot.Reply{ChatID: 1, Text: text, Retry: "notice"}}
	}
	relay := outItem{r: bot.Reply{ChatID: 1, Text: "relayed", Retry: "r", RelayFrom: 5}}
	o := &outbox{chats: map[int64][]outItem{1: {
		notice(1000), notice(1000), notice(1000), notice(1000), notice(1000), // 5,000 with separators
		relay, notice(10),
	}}}

	first := o.take(1)
	if len(first) != 4 {
		t.Fatalf("took %d notices, want the 4 that fit", len(first))
	}
	if n := utf8.RuneCountInString(mergeNotices(first)); n > maxText {
		t.Fatalf("a merged message of %d characters", n)
	}
	if !strings.Contains(mergeNotices(first), noticeSeparator) {
		t.Fatal("notices not separated")
	}
	if second := o.take(1); len(second) != 1 {
		t.Fatalf("then %d, want the fifth alone (the relay after it is not merged)", len(second))
	}
	if q := o.chats[1]; len(q) != 2 || q[0].r.RelayFrom != 5 || isNotice(q[0].r) {
		t.Fatalf("left waiting: %+v", q)
	}
	// A single notice longer than a message goes alone (Telegram will say what is wrong).
	o.chats[1] = []outItem{notice(5000), notice(10)}
	if got := o.take(1); len(got) != 1 {
		t.Fatalf("an over-long notice took %d with it", len(got)-1)
	}
}

func TestIsNotice(t *testing.T) {
	for _, c := range []struct {
		r    bot.Reply
		want bool
	}{
		{bot.Reply{ChatID: 1, Text: "n", Retry: "x"}, true},
		{bot.Reply{ChatID: 1, Text: "a reply"}, false},
		{bot.Reply{ChatID: 1, Text: "relay", Retry: "x", RelayFrom: 2}, false},
		{bot.Reply{ChatID: 1, Text: "edit", Retry: "x", EditID: 3}, false},
		{bot.Reply{ChatID: 1, Text: "buttons", Retry: "x", Keyboard: [][]bot.Button{{{Text: "b", Data: "d"}}}}, false},
		{bot.Reply{ChatID: 1, Retry: "x", Document: &bot.Document{Name: "a.ics"}}, false},
	} {
		if got := isNotice(c.r); got != c.want {
			t.Errorf("%+v: %v", c.r, got)
		}
	}
}
