package telegram_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"
	"strings"
	"testing"

	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestRedisDownSaysTryAgain: Redis goes away in the middle of a booking.
// The client's tap on a time is answered "try again in a moment" (not that
// something went wrong) and the times stay on screen; once Redis is back
// the same tap holds the time, and the booking is made.
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
	if answer := dana.pressRefused("10:00"); !strings.Contains(answer, "try again in a moment") {
		t.Fatalf("a tap while Redis is down was answered %q", answer)
	}
	srv.Restart(0)
	dana.press("10:00").sees("held for you until")
	dana.press("Confirm").sees("You're booked.")
}
