package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// talkSeries takes and confirms client c's weekly talk with Adi (paid at
// the session), n sessions from Tuesday 1/12 10:00, and returns its ids.
func (e *env) talkSeries(c tori.Client, hm string, n int) []string {
	e.t.Helper()
	ctx := context.Background()
	r := tori.SeriesRule{TherapistID: "adi", ServiceID: "talk", Client: c, First: e.clock.At(tue, hm), Every: 1, Count: n}
	pl, err := e.bookings.PlanSeries(ctx, r)
	if err != nil {
		e.t.Fatal(err)
	}
	sr, err := e.bookings.TakeSeries(ctx, r, pl.Starts(), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.bookings.ConfirmSeries(ctx, c, sr.ID); err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, t := range sr.Taken {
		ids = append(ids, t.ID)
	}
	return ids
}

// prepaidRestNotices is how often chat was told its series is now prepaid.
func (e *env) prepaidRestNotices(chat int64) int {
	n := 0
	for _, r := range e.out.to(chat) {
		if strings.Contains(r.Text, "Your later sessions are now paid in advance") {
			n++
		}
	}
	return n
}

// TestPrepayRestToldOnce: a late cancellation makes Dana a repeat
// offender: her series' later sessions await their payment, and she is
// told once (however often the job runs), with how many.
func TestPrepayRestToldOnce(t *testing.T) {
	ctx := context.Background()
	p := testPractice()
	p.Policy.RepeatCount, p.Policy.RepeatWithin = 1, 90*24*time.Hour
	e := newEnv(t, p)
	dana := client(101)
	ids := e.talkSeries(dana, "10:00", 4)

	if _, terms, _, err := e.bookings.Cancel(ctx, dana, ids[0], -1); err != nil || !terms.Late {
		t.Fatalf("cancel = %+v, %v", terms, err)
	}
	for range 3 {
		e.run(e.worker.sendReminders)
	}
	if n := e.prepaidRestNotices(101); n != 1 {
		t.Fatalf("told %d times:\n%s", n, texts(e.out.to(101)))
	}
	if got := texts(e.out.to(101)); !strings.Contains(got, "The 3 sessions of your series still ahead") {
		t.Fatalf("notice:\n%s", got)
	}
}

// TestPrepayRestRecovered: a crash after Omer's strike was recorded and
// before his series was turned (the strike alone, as the crash leaves it)
// is finished by the worker when his next session's reminder comes due:
// the weeks ahead await their payment, he is told once and sent the pay
// button, not the ordinary reminder.
func TestPrepayRestRecovered(t *testing.T) {
	ctx := context.Background()
	p := testPractice()
	p.Policy.RepeatCount, p.Policy.RepeatWithin = 1, 90*24*time.Hour
	e := newEnv(t, p)
	omer := client(102)
	ids := e.talkSeries(omer, "12:00", 4)
	if err := e.store.AddStrike(ctx, omer.ID, "appt-cut-short", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.store.Appointment(ctx, ids[1]); a.Status != tori.StatusConfirmed {
		t.Fatalf("turned before the worker: %+v", a)
	}

	first, err := e.store.Appointment(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(first.Start.Add(-24 * time.Hour))
	for range 2 {
		e.run(e.worker.sendReminders)
	}
	for _, id := range ids {
		a, err := e.store.Appointment(ctx, id)
		if err != nil || a.Status != tori.StatusHeld || !a.PrepaidRest || a.PayBy.IsZero() {
			t.Fatalf("week %s: %+v %v", id, a, err)
		}
	}
	if n := e.prepaidRestNotices(102); n != 1 {
		t.Fatalf("told %d times:\n%s", n, texts(e.out.to(102)))
	}
	got := texts(e.out.to(102))
	if !strings.Contains(got, "Your session is waiting for its payment") || strings.Contains(got, "A reminder of your session") {
		t.Fatalf("Omer got:\n%s", got)
	}
}
