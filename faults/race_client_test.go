//go:build faults

package faults_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// tally is what the race's clients were told, counted as they go.
type tally struct {
	held, taken, booked, paid, failed      atomic.Int64
	seriesTried, seriesBooked, seriesWeeks atomic.Int64
	seriesRefused, seriesAgain             atomic.Int64
	seriesListed                           atomic.Int64 // plans that listed a week in conflict
	errs                                   sync.Map
}

func (t *tally) fail(client int, msg string) { t.failed.Add(1); t.errs.Store(client, msg) }

// racer is one client of the race: it taps a time from its latest
// message; a time held it books, pays, or (a time paid at the session,
// with the chance weekly) makes weekly first.
type racer struct {
	*client
	n      int
	m      telegramtest.Message
	weekly float64
	tally  *tally
}

// attempt taps start for service with therapist and carries the booking
// through, as far as the time lets it.
func (r *racer) attempt(service, therapist string, start time.Time) {
	msg, err := r.press(r.m, timeData(service, therapist, start))
	if err != nil {
		r.lost(err)
		return
	}
	r.m = msg
	k, ok := button(msg, "k:")
	if !ok || !strings.Contains(msg.Text, "held for you until") {
		r.tally.taken.Add(1)
		return
	}
	r.tally.held.Add(1)

	if every := buttons(msg, "sc:"); len(every) > 0 && rand.Float64() < r.weekly {
		r.series(every[rand.IntN(len(every))])
		return
	}
	r.confirm(k)
}

// press taps data on m, waiting up to 20 s for the edit: under the race's
// load an answer may wait that long for its turn to go out.
func (r *racer) press(m telegramtest.Message, data string) (telegramtest.Message, error) {
	return r.pressWithin(m, data, 20*time.Second)
}

// lost counts a failed step and goes on from the chat's latest message.
func (r *racer) lost(err error) {
	r.tally.fail(r.n, err.Error())
	r.m, _ = r.last()
}

// confirm taps Confirm on the held time: booked, or paid at the PayPal
// stand-in.
func (r *racer) confirm(k string) {
	files := r.files()
	msg, err := r.pressChanged(r.m, k)
	if err != nil {
		r.lost(err)
		return
	}
	r.m = msg
	if strings.Contains(msg.Text, "You're booked.") {
		r.tally.booked.Add(1)
		r.awaitFile(files)
		return
	}
	u := urlButton(msg)
	if u == "" {
		return
	}
	status, page, err := visit(u)
	switch {
	case err != nil || status != 200:
		r.tally.fail(r.n, fmt.Sprintf("paying: %d %v", status, err))
	case strings.Contains(page, "Paid"):
		// The pay message becomes the confirmation: the client reads it
		// before tapping on, or a later tap would seem to answer with it.
		r.tally.paid.Add(1)
		if _, err = r.changed(msg.ID, msg.Text); err != nil {
			r.lost(err)
			return
		}
		r.awaitFile(files)
	}
	r.m, _ = r.last()
}

// seriesBooked reads how many sessions a series' confirmation books.
var seriesBooked = regexp.MustCompile(`You're booked: (\d+) sessions?\.`)

// series makes the held time a series in the chat, as a client does:
// "Make it weekly" or "Every 2 weeks" (every), one of the first two
// numbers of sessions offered, and Book on the weeks shown. Shown them
// again (a week taken meanwhile), it books once more what is free now.
func (r *racer) series(every string) {
	r.tally.seriesTried.Add(1)
	held := r.m
	msg, err := r.press(r.m, every)
	if err != nil {
		r.lost(err)
		return
	}
	counts := buttons(msg, "sp:")
	if len(counts) == 0 {
		r.tally.fail(r.n, fmt.Sprintf("no numbers of sessions offered: message %d (%d edits) %s\n--- after message %d (%d edits) %s", msg.ID, msg.Edits, msg.Text, held.ID, held.Edits, held.Text))
		return
	}
	if msg, err = r.press(msg, counts[rand.IntN(min(2, len(counts)))]); err != nil {
		r.lost(err)
		return
	}

	if strings.Contains(msg.Text, "Instead:") || strings.Contains(msg.Text, "Skipped.") {
		r.tally.seriesListed.Add(1)
	}

	for try := range 2 {
		book, ok := button(msg, "sb:")
		if !ok {
			break
		}
		if try > 0 {
			r.tally.seriesAgain.Add(1)
		}
		files := r.files()
		if msg, err = r.pressChanged(msg, book); err != nil {
			r.lost(err)
			return
		}
		if got := seriesBooked.FindStringSubmatch(msg.Text); got != nil {
			weeks, _ := strconv.Atoi(got[1])
			r.tally.seriesBooked.Add(1)
			r.tally.seriesWeeks.Add(int64(weeks))
			r.awaitFile(files)
			r.m, _ = r.last()
			return
		}
	}
	// Not booked: the time held, if it still is, is let go.
	r.tally.seriesRefused.Add(1)
	if x, ok := button(msg, "x:"); ok {
		_, _ = r.press(msg, x)
	}
	r.m, _ = r.last()
}

// files counts the documents in the racer's chat.
func (r *racer) files() int {
	n := 0
	for _, m := range r.w.tg.Messages(r.u.ID) {
		if m.File != nil {
			n++
		}
	}
	return n
}

// awaitFile waits until the chat has more than n documents: a
// confirmation's calendar file may come after it, and a tap made before
// it came would seem answered by it (a new message in the chat).
func (r *racer) awaitFile(n int) {
	_, err := r.w.tg.Wait(r.u.ID, 30*time.Second, func(ms []telegramtest.Message) bool {
		files := 0
		for _, m := range ms {
			if m.File != nil {
				files++
			}
		}
		return files > n
	})
	if err != nil {
		r.lost(fmt.Errorf("no calendar file: %w", err))
	}
}

// pressChanged taps data on m and waits until m says something else (its
// confirmation replaces it; a calendar file may come first).
func (c *client) pressChanged(m telegramtest.Message, data string) (telegramtest.Message, error) {
	if _, err := c.press(m, data); err != nil {
		return telegramtest.Message{}, err
	}
	return c.changed(m.ID, m.Text)
}

// buttons lists the callback data of m's buttons that start with prefix.
func buttons(m telegramtest.Message, prefix string) []string {
	var out []string
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				out = append(out, b.CallbackData)
			}
		}
	}
	return out
}
