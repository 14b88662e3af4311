package bot_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"
	"strings"
	"testing"

	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestRedisDownSaysTryAgain: Redis goes away in the middle of a booking.
// The client is told to try again in a moment (not that something went
// wrong), and once Redis is back the same tap books the time.
func TestRedisDownSaysTryAgain(t *testing.T) {
	srv := storagetest.StartServer(t, storagetest.AOF)
	// A client that gives up on a dead server at once (the default dials
	// five times per command, which only makes the test slow).
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", srv.Port), DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	l := startLiveOn(t, storage.New(rdb, "tori:"))
	dana := l.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").sees("Choose a day")
	dana.press("Tue 1/12").sees("choose a time")

	srv.Kill()
	dana.press("10:00").sees("try again in a moment")
	if strings.Contains(lastText(l, 101), "something went wrong") {
		t.Fatal("an outage was told as a fault")
	}
	srv.Restart(0)
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("10:00").sees("held for you until")
	dana.press("Confirm").sees("You're booked.")
}

func lastText(l *live, chat int64) string {
	ms := withoutFiles(l.fake.Messages(chat))
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1].Text
}
