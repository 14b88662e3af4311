//go:build faults

package faults_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestTwoProcessesBookOverlappingSeries: two bot processes behind the
// load balancer. In each of several pairs, two clients hold the same
// weekday and time a week apart and plan series in the chat whose weeks
// overlap: one every other week from the first week (weeks 1, 3, 5, 7),
// the other weekly from the second (2 to 5); each is shown every week
// free. Both tap Book at once and the two taps go to the two processes:
// exactly one series is booked; the other client is shown the weeks
// again, weeks 3 and 5 listed as taken with the nearest free time
// instead, and nothing of theirs booked until they tap Book again. No two
// bookings overlap, and Redis holds the weeks the clients were told of.
func TestTwoProcessesBookOverlappingSeries(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bots := []*proc{w.bot("bot1"), w.bot("bot2")}

	const pairs = 6
	for i := range pairs {
		at := day(2, fmt.Sprintf("%02d:00", 9+i))
		a, b := w.client(int64(6000+2*i)), w.client(int64(6001+2*i))
		plans := []telegramtest.Message{a.planSeries(t, at, 2), b.planSeries(t, at.AddDate(0, 0, 7), 1)}

		// Both tap Book at once; the round robin gives the taps one to each process.
		served := []int64{bots[0].served.Load(), bots[1].served.Load()}
		var wg sync.WaitGroup
		got := make([]telegramtest.Message, 2)
		for j, c := range []*client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				book, _ := button(plans[j], "sb:")
				var err error
				if got[j], err = c.pressChanged(plans[j], book); err != nil {
					t.Errorf("pair %d, client %d: %v", i, j, err)
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if d0, d1 := bots[0].served.Load()-served[0], bots[1].served.Load()-served[1]; d0 == 0 || d1 == 0 {
			t.Fatalf("pair %d: the processes were given %d and %d of the two taps' deliveries, want both to have one", i, d0, d1)
		}

		won := -1
		for j := range got {
			if m := seriesBooked.FindStringSubmatch(got[j].Text); m != nil && m[1] == "4" {
				if won >= 0 {
					t.Fatalf("pair %d: both series were booked:\n%s\n---\n%s", i, got[0].Text, got[1].Text)
				}
				won = j
			}
		}
		if won < 0 {
			t.Fatalf("pair %d: neither series was booked:\n%s\n---\n%s", i, got[0].Text, got[1].Text)
		}

		// The other is shown the weeks again, two of them taken, and books around them.
		lost := got[1-won]
		if n := strings.Count(lost.Text, "Instead:"); n != 2 || !strings.Contains(lost.Text, "nothing was booked") {
			t.Fatalf("pair %d: the client whose series was not booked was shown (%d weeks instead):\n%s", i, n, lost.Text)
		}
		how := "a week was booked since its plan was shown"
		if strings.Contains(lost.Text, "taken just now") {
			how = "the atomic step refused it"
		}
		t.Logf("pair %d: %s series won; the other was shown the weeks again (%s)", i, []string{"the every-other-week", "the weekly"}[won], how)
		book, ok := button(lost, "sb:")
		if !ok {
			t.Fatalf("pair %d: no Book button on the weeks shown again: %v", i, lost.Keyboard)
		}
		again, err := []*client{a, b}[1-won].pressChanged(lost, book)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(again.Text, "You're booked: 4 sessions.") {
			t.Fatalf("pair %d: booking the weeks shown again: %s", i, again.Text)
		}
	}

	as := w.appointments()
	if n := w.checkNoOverlap(as); n != pairs*8 {
		t.Errorf("%d confirmed bookings in Redis, want %d (%d pairs of 4-week series)", n, pairs*8, pairs)
	}
	for _, x := range as {
		if x.Status == tori.StatusConfirmed && x.Series == "" {
			t.Errorf("booking %s at %s is not of a series", x.ID, x.Start)
		}
	}
}

// freeWeek is a line of a series' plan that lists a week free.
var freeWeek = regexp.MustCompile(`(?m)^✅ `)

// planSeries holds the short session with Adi at at and plans it as a
// series of four, every `every` weeks, in the chat; it returns the weeks
// shown, which must all be free.
func (c *client) planSeries(t *testing.T, at time.Time, every int) telegramtest.Message {
	t.Helper()
	m, err := c.say("/start")
	if err != nil {
		t.Fatal(err)
	}
	if m, err = c.press(m, timeData("short", "adi", at)); err != nil || !strings.Contains(m.Text, "held for you until") {
		t.Fatalf("holding %s: %v %s", at, err, m.Text)
	}
	for _, step := range []struct{ prefix, suffix string }{
		{"sc:", fmt.Sprintf(":%d", every)},    // "Make it weekly" or "Every 2 weeks"
		{"sp:", fmt.Sprintf(":%d4:0", every)}, // "4 sessions"
	} {
		data := ""
		for _, d := range buttons(m, step.prefix) {
			if strings.HasSuffix(d, step.suffix) {
				data = d
			}
		}
		if data == "" {
			t.Fatalf("no button %s…%s: %v", step.prefix, step.suffix, m.Keyboard)
		}
		if m, err = c.press(m, data); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := button(m, "sb:"); !ok || strings.Contains(m.Text, "Instead") || len(freeWeek.FindAllString(m.Text, -1)) != 4 {
		t.Fatalf("the weeks of a series from %s are not shown all free: %s", at, m.Text)
	}
	return m
}
