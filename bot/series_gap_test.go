package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// TestSeriesGapReplies: a week Omer's open-ended series missed is told to
// him in Hebrew and to Adi in Hebrew, each with the nearest free time as a
// button; a client without Telegram is told nothing, and Adi is told to
// tell them.
func TestSeriesGapReplies(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		client tori.Client
	}{
		{"telegram", tori.Client{ID: 102, ChatID: 102, Name: "עומר", Lang: "he"}},
		{"no telegram", tori.Client{ID: 104, Name: "Tamar", Lang: "en"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hm := map[int64]string{102: "10:00", 104: "11:00"}[tc.client.ID]
			r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: tc.client, First: w.jlm(date(12, 1), hm), Every: 1, ByPractice: true}
			pl, err := w.bookings.PlanSeries(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			sr, err := w.bookings.TakeSeries(ctx, r, pl.Starts(), 0)
			if err != nil {
				t.Fatal(err)
			}
			week8 := date(12, 1).AddDays(8 * 7)
			if _, err := w.bookings.Block(ctx, "adi", w.jlm(week8, hm), w.jlm(week8, hm).Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			missed, next, err := w.bookings.ExtendSeries(ctx, sr.ID, w.clock.Now().Add(48*time.Hour))
			if err != nil || len(missed) != 1 {
				t.Fatalf("missed %v %v next %s series %+v", missed, err, next, sr)
			}
			sr, _ = w.bookings.Series(ctx, sr.ID)

			rs, err := w.bot.SeriesGapReplies(ctx, sr, missed)
			if err != nil {
				t.Fatal(err)
			}
			w.deliver(bot.Result{Replies: rs})
			var toClient, toAdi []bot.Reply
			for _, r := range rs {
				switch r.ChatID {
				case tc.client.ChatID:
					toClient = append(toClient, r)
				case 9001:
					toAdi = append(toAdi, r)
				}
			}
			if len(toAdi) != 1 || !strings.Contains(toAdi[0].Text, "סדרה לא הצליחה לקבוע שבוע") || !strings.HasPrefix(toAdi[0].Keyboard[0][0].Data, "asg:") {
				t.Fatalf("Adi: %+v", toAdi)
			}
			if tc.client.ChatID == 0 {
				if len(rs) != 2 || !strings.Contains(toAdi[0].Text, "אין שיחת טלגרם") { // Adi's two chats, nobody else
					t.Fatalf("a client without Telegram: %+v", rs)
				}
				return
			}
			if len(toClient) != 1 || !strings.Contains(toClient[0].Text, "לא ניתן היה לקבוע") || len(toClient[0].Keyboard) != 2 ||
				!strings.Contains(toClient[0].Keyboard[0][0].Text, "לקבוע") {
				t.Fatalf("Omer: %+v", toClient)
			}
		})
	}
}
