package telegram_test

import (
	"strings"
	"testing"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestSeriesThroughTelegram: a weekly series booked through the real
// client and the fake Bot API: the flow stays in one message, the client
// gets one calendar file with every session, and the therapist's chats
// one notice each.
func TestSeriesThroughTelegram(t *testing.T) {
	l := startLive(t)
	dana := l.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").sees("Please check your booking")
	dana.press("Make it weekly").press("4 sessions").sees("✅ Tue 22/12")
	dana.press("Book 4 sessions").sees("You're booked: 4 sessions.", "• Tue 22/12, 10:00–10:50")

	docs := files(l.waitChat(101, "the series' file", func(ms []telegramtest.Message) bool { return len(files(ms)) == 1 }))
	if data := string(docs[0].File.Data); strings.Count(data, "BEGIN:VEVENT") != 4 || field(docs[0].File.Data, "METHOD") != "PUBLISH" {
		t.Fatalf("file %s:\n%s", docs[0].File.Name, data)
	}
	if msgs := withoutFiles(l.fake.Messages(101)); len(msgs) != 1 {
		t.Fatalf("Dana's chat has %d messages, want the flow's one", len(msgs))
	}
	l.settle()
	for _, id := range []int64{9001, 9011} {
		if ms := l.fake.Messages(id); len(ms) != 1 || !strings.Contains(ms[0].Text, "סדרה חדשה: 4 פגישות") {
			t.Fatalf("therapist chat %d: %d messages", id, len(ms))
		}
	}
}
