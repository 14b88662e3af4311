package scheduler

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/busy/busytest"
)

// commandCount counts the Redis commands a client sends, by name.
type commandCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commandCount) add(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range cmds {
		c.n[strings.ToLower(cmd.Name())]++
	}
}

func (c *commandCount) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *commandCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds...)
		return next(ctx, cmds)
	}
}

// TestBusyPollBudget: a round of 100 unchanged calendars is 100 conditional
// requests (304s) and, in Redis, two writes for the whole round (its claim,
// and when each calendar was last read) and a read of each calendar's
// validators.
func TestBusyPollBudget(t *testing.T) {
	e, srv := hundredCalendars(t)
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, tori.BusyCalendar{})
	_, before := srv.Answers("/body")

	count := &commandCount{n: map[string]int{}}
	e.store.Redis.AddHook(count)
	if n := e.run(e.worker.pollCalendars); n != 0 {
		t.Fatalf("an unchanged round replaced %d", n)
	}
	count.mu.Lock()
	defer count.mu.Unlock()

	if _, not := srv.Answers("/body"); not-before != 100 {
		t.Fatalf("%d conditional requests answered 304, want 100", not-before)
	}
	reads := map[string]bool{"hgetall": true}
	writes := 0
	for name, n := range count.n {
		if !reads[name] {
			writes += n
		}
	}
	if count.n["set"] != 1 || count.n["hset"] != 1 || writes != 2 || count.n["hgetall"] != 100 {
		t.Fatalf("a round of 100 unchanged calendars sent %v, want one set (the claim), one hset (last read) and 100 hgetall", count.n)
	}
}

// TestPollCalDAV: the worker reads a CalDAV calendar (its password from
// the wiring) and its busy times refuse a hold; the next round, unchanged,
// asks for its tag alone.
func TestPollCalDAV(t *testing.T) {
	ctx := context.Background()
	dav := busytest.NewCalDAV(t, true)
	p := testPractice()
	cal := tori.BusyCalendar{URL: dav.CalendarURL(), CalDAV: true, User: busytest.CalDAVUser, PasswordEnv: "ADI_CALDAV", AllDay: tori.AllDayBlock}
	p.Therapists[0].BusyCalendars = []tori.BusyCalendar{cal}
	e := newEnv(t, p)
	e.worker.cfg.Calendars = busy.Reader(&busy.Fetcher{Passwords: map[string]string{"ADI_CALDAV": busytest.CalDAVPassword}}, p.Location)

	// The weekly supervision, Tuesday 1 December 09:00 UTC (11:00 in Jerusalem).
	if n := e.run(e.worker.pollCalendars); n != 1 {
		t.Fatalf("first poll replaced %d, want 1", n)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := e.bookings.Hold(ctx, client(101), "talk", "adi", at, 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("a hold over the CalDAV busy time = %v, want ECONFLICT", err)
	}
	st, err := e.store.BusyState(ctx, "adi", cal.Source())
	if err != nil || st.Count == 0 || !strings.HasPrefix(st.ETag, "ctag:") {
		t.Fatalf("state %+v, %v", st, err)
	}

	reports := dav.Requests("REPORT")
	e.clock.Add(e.p.Busy.Every)
	mustClaimLapse(t, e, cal)
	if n := e.run(e.worker.pollCalendars); n != 0 || dav.Requests("REPORT") != reports {
		t.Fatalf("an unchanged CalDAV calendar: replaced %d, %d REPORTs", n, dav.Requests("REPORT")-reports)
	}
}
