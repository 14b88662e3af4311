package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// TestSeriesGapTold: a week an open-ended series cannot book as it
// extends is told once to the client and to the therapist, with the
// nearest free time that week; the client's button books it as a
// session of the series, and a second press, the practice's button after
// it, or Noa's (not Adi's) change nothing.
func TestSeriesGapTold(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	tue := mon.AddDays(1)
	dana := client(101)
	sr := e.takeSeries(tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: dana, First: e.clock.At(tue, "10:00"), Every: 1, ByPractice: true})

	// Adi is away the morning of week 8 (26/1): the extension misses it.
	week8 := tue.AddDays(8 * 7)
	if _, err := e.bookings.Block(ctx, "adi", e.clock.At(week8, "09:00"), e.clock.At(week8, "13:00")); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(24 * time.Hour)
	if n := e.run(e.worker.extendSeries); n != 1 {
		t.Fatalf("%d extended", n)
	}
	e.clock.Add(time.Minute)
	e.run(e.worker.extendSeries)

	told := e.out.to(dana.ChatID)
	if len(told) != 1 || !strings.Contains(told[0].Text, "one week could not be") || !strings.Contains(told[0].Text, "Adi Levi is away then") || len(told[0].Keyboard) != 2 {
		t.Fatalf("the client was told:\n%s", texts(told))
	}
	take, skip := told[0].Keyboard[0][0].Data, told[0].Keyboard[1][0].Data
	adi := e.out.to(9001)
	if len(adi) != 1 || !strings.Contains(adi[0].Text, "could not book a week") || len(adi[0].Keyboard) != 1 {
		t.Fatalf("Adi was told:\n%s", texts(adi))
	}
	forPractice := adi[0].Keyboard[0][0].Data

	// Noa presses Adi's button: nothing is booked.
	press := func(who tori.Client, data string) bot.Result {
		return e.bot.Handle(ctx, bot.Input{User: who, Data: data, MessageID: 7, CallbackID: "cb"})
	}
	press(tori.Client{ID: 9002, ChatID: 9002, Name: "Noa"}, forPractice)
	if got, _ := e.bookings.Series(ctx, sr.ID); len(got.Missed) != 1 {
		t.Fatalf("Noa's press booked: %+v", got)
	}

	// Dana's press books it; then her second press and Adi's find it booked.
	res := press(dana, take)
	if len(res.Replies) == 0 || !strings.Contains(res.Replies[0].Text, "booked") {
		t.Fatalf("Dana's press: %+v", res.Replies)
	}
	got, err := e.bookings.Series(ctx, sr.ID)
	if err != nil || len(got.Missed) != 0 || got.Taken[len(got.Taken)-1].Week != 8 {
		t.Fatalf("series after the press: %+v %v", got, err)
	}
	for _, again := range []bot.Result{press(dana, take), press(tori.Client{ID: 9001, ChatID: 9001, Name: "Adi"}, forPractice)} {
		if len(again.Replies) == 0 || !strings.Contains(again.Replies[0].Text, "booked already") && !strings.Contains(again.Replies[0].Text, "כבר נקבע") {
			t.Fatalf("a press after it was booked: %+v", again.Replies)
		}
	}
	up, _ := e.bookings.Upcoming(ctx, dana)
	n8 := 0
	for _, a := range up {
		if a.SeriesN == 8 {
			n8++
		}
	}
	if n8 != 1 {
		t.Fatalf("week 8 booked %d times", n8)
	}
	if res := press(dana, skip); len(res.Replies) == 0 || !strings.Contains(res.Replies[0].Text, "stays without a session") {
		t.Fatalf("skip: %+v", res.Replies)
	}
}

// TestWaitlistGetsSeriesEndedByPractice: the practice ending Dana's series
// from its second session on offers each freed time to the waitlist, as
// any practice cancellation does.
func TestWaitlistGetsSeriesEndedByPractice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	tue := mon.AddDays(1)
	sr := e.takeSeries(tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: client(101), First: e.clock.At(tue, "10:00"), Every: 1, Count: 3, ByPractice: true})
	e.join(client(201), "talk", "adi", tue.AddDays(7), tue.AddDays(7), tori.AnyTime)
	e.join(client(202), "talk", "adi", tue.AddDays(14), tue.AddDays(14), tori.AnyTime)

	q, err := e.bookings.QuotePracticeCancelSeriesFrom(ctx, sr.Taken[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if done, _, err := e.bookings.PracticeCancelSeriesFrom(ctx, sr.Taken[1].ID, q.Stamp()); err != nil || len(done) != 2 {
		t.Fatalf("cancelled %d: %v", len(done), err)
	}
	e.run(e.worker.offerFreedTimes)
	for _, c := range []int64{201, 202} {
		if n, _ := e.offers(c); n != 1 {
			t.Fatalf("client %d was offered %d times", c, n)
		}
	}
}
