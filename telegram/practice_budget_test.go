package telegram_test

import (
	"strconv"
	"testing"

	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// The Redis budgets of one booking the practice makes for a client
// (docs/PERFORMANCE.md), as TestRedisBudgets has them for a client's paid
// booking: from /book <id> to "Book once", the client sent the
// confirmation and the calendar file, the therapist's two chats told.
// Six updates (/book, service, therapist, day, time, "Book once"): 23 round
// trips measured (a new pooled connection's handshake would add 2), and
// 65 commands, the hold script and the confirm among them.
const (
	budgetRoundTripsPerPracticeBooking = 25
	budgetCommandsPerPracticeBooking   = 65
)

// TestRedisBudgetPracticeBooking books talks for new clients as staff,
// through the chat and the real bot on a redis-server of its own, and
// checks the round trips and commands one costs.
func TestRedisBudgetPracticeBooking(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	trips := &storagetest.Trips{}
	rdb.AddHook(trips)
	l := startLiveOn(t, storage.New(rdb, "tori:"))
	staff := l.admin(9500, "Reception")

	// The clients have started the bot (Telegram lets a bot write only to them).
	times := []string{"09:00", "10:00", "11:00"}
	for i := range times {
		l.user(int64(30000+i), "Client"+strconv.Itoa(i), "en").say("/start")
	}
	n := 0
	book := func() {
		t.Helper()
		id := int64(30000 + n)
		staff.say("/book " + strconv.FormatInt(id, 10)).press("Talk").press("Adi Levi").press("Tue 1/12").press(times[n])
		n++
		staff.press("Book once").sees("Booked")
		l.waitChat(id, "the client's confirmation", func(ms []telegramtest.Message) bool { return len(ms) == 3 })
		l.waitChat(9001, "therapist notice", func(ms []telegramtest.Message) bool { return len(ms) == n })
		l.waitChat(9011, "therapist notice", func(ms []telegramtest.Message) bool { return len(ms) == n })
	}

	book() // scripts loaded, keys made: a running system
	measureOne(t, rdb, trips, "one practice booking", book, budgetRoundTripsPerPracticeBooking, budgetCommandsPerPracticeBooking)
}
