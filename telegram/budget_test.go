package telegram_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// The Redis budgets of docs/PERFORMANCE.md. A change that needs more fails
// here; one that needs less should lower them (and the document).
const (
	// Round trips to Redis (a pipeline is one) for one complete paid
	// booking, from /start to the confirmation, with the therapist told
	// (20 measured; a new pooled connection's handshake would add 2).
	// (18 before the therapist's notices were queued for the worker: they
	// are written in the telling's round trip, and each of the therapist's
	// two chats takes its notice out once sent.)
	budgetRoundTripsPerPaidBooking = 22
	// Commands Redis executes (those inside scripts included) for one complete paid booking, from /start to
	// the confirmation, with the therapist told. (87 since privacy: a hold
	// checks for the client's erasure, a booking enters the retention index;
	// 88 since a hold records the client's activity, so that retention
	// forgets clients who never book, in the pipeline it already makes;
	// 91 since the therapist's notices are queued for the worker: one ZADD
	// beside the telling, one ZREM per chat once sent.)
	budgetCommandsPerPaidBooking = 91
	// Bytes of Redis memory one more confirmed paid booking adds (a new
	// client's first: the appointment, its payment record, its place in the
	// therapist's and the client's indexes, the client's chat state; since
	// privacy, its place in the retention index and the client's @username
	// history).
	budgetBytesPerAppointment = 1900
)

// TestRedisBudgets books paid sessions through the chat, the real bot and
// the real PayPal client on a redis-server of its own, and checks the
// commands one booking costs (INFO commandstats) and the memory each
// confirmed appointment takes (MEMORY USAGE over every key).
func TestRedisBudgets(t *testing.T) {
	srv := storagetest.StartServer(t)
	rdb := srv.Client()
	trips := &storagetest.Trips{}
	rdb.AddHook(trips)
	l := startLiveOn(t, storage.New(rdb, "tori:"))

	days := []string{"Tue 1/12", "Wed 2/12", "Thu 3/12"}
	times := []string{"09:00", "10:00", "11:00", "12:00", "15:00", "16:00", "17:00", "18:00"}
	n := 0
	book := func() {
		t.Helper()
		c := l.user(int64(20000+n), "Client"+strconv.Itoa(n), "en")
		day, hm := days[n%len(days)], times[n/len(days)]
		n++
		c.say("/start intake").sees("Intake", "Choose a day")
		c.press(day).press(hm).press("Confirm and pay ₪350.50").sees("Pay to confirm")
		_, approve := c.payButton()
		if status, page := l.visit(approve); status != 200 || !strings.Contains(page, "Paid") {
			t.Fatalf("return page %d: %s", status, page)
		}
		l.waitChat(c.u.ID, "confirmation", lastHas("You're booked."))
		l.waitChat(9001, "therapist notice", func(ms []telegramtest.Message) bool { return len(ms) == n })
		l.waitChat(9011, "therapist notice", func(ms []telegramtest.Message) bool { return len(ms) == n })
	}

	// One booking first, so that scripts are loaded and the practice's keys
	// exist, and the pool's connections open: the budget is for a booking
	// on a running system.
	book()
	measureOne(t, rdb, trips, "one paid booking", book, budgetRoundTripsPerPaidBooking, budgetCommandsPerPaidBooking)

	before := storagetest.KeyBytes(t, rdb)
	const more = 20
	for range more {
		book()
	}
	storagetest.Quiet(t, rdb)
	per := (storagetest.KeyBytes(t, rdb) - before) / more
	t.Logf("Redis memory per confirmed paid appointment: %d bytes", per)
	if per > budgetBytesPerAppointment {
		t.Errorf("a confirmed appointment takes %d bytes of Redis memory; the budget is %d (docs/PERFORMANCE.md)", per, budgetBytesPerAppointment)
	}
}

// measureOne measures one run of book (what) on a running system (one
// run before it loaded the scripts and made the keys; warmPool opens the
// connections): the round trips and the commands Redis executes, each
// against its budget (docs/PERFORMANCE.md).
func measureOne(t *testing.T, rdb *redis.Client, trips *storagetest.Trips, what string, book func(), roundTrips, commands int) {
	t.Helper()
	warmPool(t, rdb, 8)
	storagetest.Quiet(t, rdb)
	if err := rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	trips.Reset()
	book()
	storagetest.Quiet(t, rdb)
	rt := trips.Reset()
	total, by := storagetest.CommandStats(t, rdb)
	t.Logf("%s: %d round trips to Redis; %d commands executed (scripts' own included): %s", what, rt, total, by)
	if rt > roundTrips {
		t.Errorf("%s took %d round trips to Redis; the budget is %d (docs/PERFORMANCE.md)", what, rt, roundTrips)
	}
	if total > commands {
		t.Errorf("%s made Redis execute %d commands; the budget is %d (docs/PERFORMANCE.md): %s", what, total, commands, by)
	}
}

// warmPool opens n connections in rdb's pool, as a running process has
// them: a booking whose steps overlap (a notice taken out of the queue
// for each of the therapist's chats at once) would otherwise open new
// ones, and count their handshakes (HELLO, CLIENT SETINFO) as its round
// trips.
func warmPool(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	conns := make([]*redis.Conn, n)
	for i := range conns {
		conns[i] = rdb.Conn()
		if err := conns[i].Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
