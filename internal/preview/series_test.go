package preview_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/preview"
)

// standing is the test practice's standing client, as the example
// practice has one: weekly with Adi on Tuesdays at 10:00, twelve sessions,
// two of them past.
var standing = []tori.Standing{{Client: tori.Client{ID: 2001, ChatID: 2001, Name: "Yael Mizrahi", Lang: "he"},
	TherapistID: "adi", ServiceID: "talk", Weekday: time.Tuesday, At: 10 * 60, Every: 1, Count: 12, Held: 2}}

// startWeekly starts the preview with the standing client booked.
func startWeekly(t *testing.T) *page {
	t.Helper()
	return startWith(t, preview.Config{Practice: practice(), Standing: standing})
}

// TestPreviewWeeklySeries: the preview opens with the standing client's
// series booked, its next session in the practice's week marked "weekly,
// 3 of 12" (in the therapist's Hebrew); a client makes their own booking
// weekly from the summary, is told of four sessions, and /my shows the
// series as one line.
func TestPreviewWeeklySeries(t *testing.T) {
	pg := startWeekly(t)
	adi, dana := int64(9001), pg.state().Clients[0].ID

	pg.say(adi, "/week")
	pg.press(adi, "ag:")
	pg.until(adi, "the standing client's session, marked", func(c chat) bool {
		h := last(c).HTML
		return strings.Contains(h, "Yael Mizrahi") && strings.Contains(h, "מדי שבוע, 3 מתוך 12")
	})

	pg.say(dana, "/start talk")
	pg.press(dana, "d:")
	pg.press(dana, "t:")
	pg.press(dana, "Make it weekly")
	pg.press(dana, "4 sessions")
	pg.press(dana, "Book 4 sessions")
	pg.until(dana, "the series' confirmation", lastHas("You're booked: 4 sessions."))
	pg.say(dana, "/my")
	pg.until(dana, "the series in /my", lastHas("4 sessions ahead"))
}
