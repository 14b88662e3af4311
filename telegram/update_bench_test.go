package telegram_test

import (
	"context"
	"testing"

	"github.com/go-telegram/bot/models"
)

// BenchmarkUpdate handles one update at a time, start to end, through the
// real bot: the claim and language, the conversation, the Redis reads and
// writes, and the reply sent to the fake Bot API over HTTP. It is what one
// update costs tori when nothing else competes (compare tori bench, where
// everything shares the machine).
//
//	go test -run '^$' -bench Update -benchmem ./bot/
func BenchmarkUpdate(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"Help", "/help"},
		{"WeekView", "/start talk"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := startLiveB(b)
			ctx := context.Background()
			// Many chats in turn, so that the per-chat spacing of sends
			// (a millisecond in this fixture) never waits.
			const chats = 1000
			for c := range chats {
				l.fake.Open(int64(40000 + c))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				id := int64(40000 + i%chats)
				from := &models.User{ID: id, FirstName: "Bench", LanguageCode: "en"}
				u := &models.Update{ID: int64(1_000_000 + i), Message: &models.Message{ID: i + 1, From: from,
					Chat: models.Chat{ID: id, Type: models.ChatTypePrivate}, Text: tc.text}}
				l.tg.Process(ctx, u)
			}
		})
	}
}
