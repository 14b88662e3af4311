//go:build faults

package faults_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestCrashBetweenPracticeHoldAndConfirm kills the bot process (SIGKILL)
// after a booking the practice makes for a client holds its time and
// before it is confirmed (practice.after_hold). Started again, the same
// press, delivered again by Telegram, books it under the hold's own id;
// pressed once more, it is shown booked: one booking, the client told once.
func TestCrashBetweenPracticeHoldAndConfirm(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b := w.bot("bot", "TORI_FAULT=practice.after_hold")
	c := w.client(105)
	if _, err := c.say("/start"); err != nil {
		t.Fatal(err)
	}
	adi := w.client(9001)
	m, err := adi.say("/book 105")
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := button(m, "fs:")
	if !ok {
		t.Fatalf("no service button on %q", m.Text)
	}
	book := "fb:" + strings.Split(svc, ":")[1] + ":short:adi:" + strconv.FormatInt(day(4, "14:00").Unix()/60, 36) + ":oa"
	w.tg.PressData(adi.u, m.ID, book)
	w.waitExit(b, 20*time.Second)
	if held := w.appointments(); len(held) != 1 || held[0].Status != tori.StatusHeld || !held[0].ByPractice {
		t.Fatalf("before the restart: %+v, want the practice's hold", held)
	}

	// Telegram delivers the press again once its claim's lease (2 min) ends.
	w.restart(b)
	w.waitChat(c.u.ID, 4*time.Minute, "the client's confirmation", has("booked this session for you", 1))

	// Pressed again: shown booked, nobody told twice.
	m, _ = adi.last()
	if _, err := adi.press(m, book); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a late duplicate would arrive within this
	if n := count(w.tg.Messages(c.u.ID), "booked this session for you"); n != 1 {
		t.Errorf("the client was told %d times", n)
	}
	as := w.appointments()
	if n := w.checkNoOverlap(as); n != 1 || len(as) != 1 || !as[0].ByPractice {
		t.Errorf("%d confirmed bookings (%+v), want the practice's one", n, as)
	}
}
