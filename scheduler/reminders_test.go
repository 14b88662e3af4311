package scheduler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
)

var thu = tori.Date{Year: 2026, Month: 12, Day: 3}

func TestRemindersAtEachOffset(t *testing.T) {
	e := newEnv(t, nil)
	dana := client(101)
	start := e.clock.At(thu, "10:00")
	a := e.book(dana, "video", start) // 72 hours ahead, remote
	w := e.worker

	if n := e.run(w.sendReminders); n != 0 {
		t.Fatalf("%d reminders sent 72 hours ahead", n)
	}
	for _, step := range []struct {
		at   time.Time
		sent int
		want string
	}{
		{start.Add(-48*time.Hour - time.Minute), 0, ""},
		{start.Add(-48 * time.Hour), 1, "Where: video session; join here: https://meet.example/adi"},
		{start.Add(-30 * time.Hour), 0, ""},
		{start.Add(-24 * time.Hour), 1, "If you cannot come: cancelling now, 24 hours before, costs 50% of the price (₪150.25)"},
		{start.Add(-time.Hour), 1, "join here: https://meet.example/adi"},
		{start.Add(-time.Minute), 0, ""},
	} {
		e.clock.Set(step.at)
		before := len(e.out.to(101))
		if n := e.run(w.sendReminders); n != step.sent {
			t.Fatalf("at %v: %d sent, want %d", step.at, n, step.sent)
		}
		got := e.out.to(101)
		if step.sent == 1 {
			r := got[len(got)-1]
			if !strings.Contains(r.Text, "A reminder of your session") || !strings.Contains(r.Text, "Video session with Adi Levi, Thursday 3 December 2026, 10:00–10:45") || !strings.Contains(r.Text, step.want) {
				t.Fatalf("reminder at %v:\n%s", step.at, r.Text)
			}
			if len(r.Keyboard) == 0 || !strings.HasPrefix(r.Keyboard[0][0].Data, "y:"+a.ID) {
				t.Fatalf("no I'll-be-there button: %+v", r.Keyboard)
			}
		} else if len(got) != before {
			t.Fatalf("at %v: an extra message", step.at)
		}
	}
	if n, _, _ := e.store.QueueStats(context.Background(), tori.QueueReminders, "adi"); n != 0 {
		t.Fatalf("%d items left in the queue", n)
	}
}

func TestNoStaleReminders(t *testing.T) {
	e := newEnv(t, nil)
	start := e.clock.At(tori.Date{Year: 2026, Month: 12, Day: 1}, "16:00") // 30 hours ahead
	e.book(client(101), "talk", start)
	e.clock.Set(start.Add(-24 * time.Hour))
	if n := e.run(e.worker.sendReminders); n != 1 {
		t.Fatalf("%d sent at 24 hours", n)
	}
	// The 48-hour one had passed when the booking was made: it never goes out,
	// not even now that it is "due".
	if got := e.out.to(101); len(got) != 1 {
		t.Fatalf("%d reminders:\n%s", len(got), texts(got))
	}
}

func TestLateWorkerSendsOnlyTheLatest(t *testing.T) {
	e := newEnv(t, nil)
	start := e.clock.At(thu, "10:00")
	e.book(client(101), "talk", start)
	e.clock.Set(start.Add(-20 * time.Hour)) // the worker was down through both offsets
	if n := e.run(e.worker.sendReminders); n != 1 {
		t.Fatalf("%d sent", n)
	}
	if got := e.out.to(101); len(got) != 1 || !strings.Contains(got[0].Text, "20 hours before") {
		t.Fatalf("%s", texts(got))
	}
}

func TestRescheduleMovesReminders(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.run(e.worker.sendReminders)
	h, err := e.bookings.HoldMove(ctx, dana, a.ID, e.clock.At(thu.AddDays(4), "10:00"), 0) // Monday 7/12
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.bookings.Confirm(ctx, dana, h.ID); err != nil {
		t.Fatal(err)
	}
	e.run(e.worker.sendReminders)
	e.clock.Set(e.clock.At(thu, "10:00").Add(-24 * time.Hour)) // the old time's 24-hour mark
	if n := e.run(e.worker.sendReminders); n != 0 {
		t.Fatalf("a reminder for the old time: %s", texts(e.out.to(101)))
	}
	e.clock.Set(e.clock.At(thu.AddDays(4), "10:00").Add(-24 * time.Hour))
	if n := e.run(e.worker.sendReminders); n != 1 {
		t.Fatalf("%d sent for the new time", n)
	}
	if got := e.out.to(101); !strings.Contains(got[len(got)-1].Text, "Monday 7 December 2026, 10:00–10:50") {
		t.Fatalf("%s", texts(got))
	}
}

func TestCancelRemovesReminders(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	if _, _, _, err := e.bookings.Cancel(ctx, dana, a.ID, -1); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := e.store.QueueStats(ctx, tori.QueueReminders, "adi"); n != 0 {
		t.Fatalf("%d reminder items after the cancel", n)
	}
	for _, d := range []time.Duration{48 * time.Hour, 24 * time.Hour} {
		e.clock.Set(a.Start.Add(-d))
		e.run(e.worker.sendReminders)
	}
	if got := e.out.to(101); len(got) != 0 {
		t.Fatalf("%s", texts(got))
	}
}

// TestThreeWorkersThousandReminders: three workers on one Redis process
// 1,000 due reminders (ten therapists, a hundred sessions each); each
// goes out exactly once.
func TestThreeWorkersThousandReminders(t *testing.T) {
	ctx := context.Background()
	p := testPractice()
	p.Worker.Reminders = []time.Duration{24 * time.Hour}
	p.Therapists = nil
	for i := range 10 {
		var h tori.WeeklyHours
		for d := range 7 {
			h[d] = []tori.Span{testpractice.Span("00:00", "24:00")}
		}
		p.Therapists = append(p.Therapists, tori.Therapist{ID: "t" + string(rune('0'+i)), Name: "T", TelegramIDs: []int64{int64(8000 + i)}, Hours: h})
	}
	for i := range p.Services {
		p.Services[i].TherapistIDs = nil
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, p)
	now := e.clock.Now()
	base := now.Add(25 * time.Hour)
	// Bookings written straight into storage: a hundred back-to-back
	// 5-minute sessions per therapist.
	for i := range 1000 {
		tid := p.Therapists[i%10].ID
		start := base.Add(time.Duration(i/10) * 5 * time.Minute)
		c := client(int64(10000 + i))
		a := tori.Appointment{ID: tori.NewAppointmentID(tid), TherapistID: tid, ServiceID: "talk", Client: c, Start: start, End: start.Add(5 * time.Minute),
			Status: tori.StatusHeld, HoldToken: "tok", HoldUntil: now.Add(time.Hour), Price: tori.Money{Amount: 100, Currency: "ILS"}, Payment: tori.PayNone}
		if _, err := e.store.Hold(ctx, a, 5, now); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Confirm(ctx, a.ID, "tok", now); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(base.Add(-24*time.Hour + 9*time.Hour)) // every 24-hour reminder is due
	workers := []*Worker{e.worker, New(e.worker.cfg), New(e.worker.cfg)}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.sendReminders(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.out.total(); n != 1000 {
		t.Fatalf("%d reminders sent, want 1000", n)
	}
	for i := range 1000 {
		if got := e.out.to(int64(10000 + i)); len(got) != 1 {
			t.Fatalf("client %d got %d reminders", 10000+i, len(got))
		}
	}
}

// TestWorkerDiesAfterClaim: a worker claims a due reminder and dies before
// sending; the reminder goes out, once, after the lease.
func TestWorkerDiesAfterClaim(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	start := e.clock.At(thu, "10:00")
	e.book(client(101), "talk", start)
	e.run(e.worker.sendReminders) // planned for 48 hours before
	e.clock.Set(start.Add(-48 * time.Hour))
	claims, err := e.store.ClaimDue(ctx, tori.QueueReminders, "adi", e.clock.Now(), 2*time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claims %v %v", claims, err)
	}
	// ... the claiming worker dies here.
	if n := e.run(e.worker.sendReminders); n != 0 {
		t.Fatal("sent while another worker held the lease")
	}
	e.clock.Add(2*time.Minute + time.Second)
	if n := e.run(e.worker.sendReminders); n != 1 {
		t.Fatalf("%d sent after the lease", n)
	}
	e.run(e.worker.sendReminders)
	// The dead worker's late acknowledgement changes nothing.
	if ok, _ := e.store.Ack(ctx, tori.QueueReminders, "adi", claims[0]); ok {
		t.Fatal("a stale claim was acknowledged")
	}
	if got := e.out.to(101); len(got) != 1 {
		t.Fatalf("%d reminders", len(got))
	}
}

func TestAttendIsShownInTheAgenda(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana, omer := client(101), client(102)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.book(omer, "video", e.clock.At(thu, "15:00"))
	if _, err := e.bookings.Attend(ctx, dana, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bookings.Attend(ctx, omer, a.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("attend someone else's booking: %v", err)
	}
	e.clock.Set(e.clock.At(thu, "07:29"))
	if n := e.run(e.worker.sendAgendas); n != 0 {
		t.Fatal("agenda before 07:30")
	}
	e.clock.Set(e.clock.At(thu, "07:30"))
	if n := e.run(e.worker.sendAgendas); n != 1 {
		t.Fatalf("%d agendas", n)
	}
	if n := e.run(e.worker.sendAgendas); n != 0 {
		t.Fatal("the agenda went out twice")
	}
	for _, chat := range []int64{9001, 9011} {
		got := e.out.to(chat)
		if len(got) != 1 {
			t.Fatalf("therapist %d got %d", chat, len(got))
		}
		text := got[0].Text
		i10, i15 := strings.Index(text, "10:00–10:50"), strings.Index(text, "15:00–15:45")
		if !strings.Contains(text, "Thursday 3 December 2026: 2 sessions") || i10 < 0 || i15 < i10 ||
			!strings.Contains(text, "✅ confirmed they will come") || !strings.Contains(text, "not confirmed yet") || !strings.Contains(text, "₪350 to pay at the session") {
			t.Fatalf("agenda:\n%s", text)
		}
	}
	// A day without sessions sends nothing.
	e.clock.Set(e.clock.At(thu.AddDays(1), "08:00"))
	if n := e.run(e.worker.sendAgendas); n != 0 || len(e.out.to(9001)) != 1 {
		t.Fatal("an agenda for an empty day")
	}
}

func TestAgendaOnTheNightClocksGoBack(t *testing.T) {
	e := newEnv(t, nil)
	// A date in the past of the machine's clock on purpose: Redis's own
	// clock must play no part (expiries are relative to the injected now).
	sun := tori.Date{Year: 2026, Month: 10, Day: 25} // Jerusalem falls back at 02:00
	e.clock.Set(e.clock.At(tori.Date{Year: 2026, Month: 10, Day: 22}, "10:00"))
	e.book(client(101), "talk", e.clock.At(sun, "09:00"))
	e.clock.Set(time.Date(2026, 10, 25, 5, 29, 0, 0, time.UTC)) // 07:29 IST
	if n := e.run(e.worker.sendAgendas); n != 0 {
		t.Fatal("early")
	}
	e.clock.Set(time.Date(2026, 10, 25, 5, 30, 0, 0, time.UTC)) // 07:30 IST
	if n := e.run(e.worker.sendAgendas); n != 1 {
		t.Fatal("no agenda at 07:30 local")
	}
	if got := e.out.to(9001); !strings.Contains(got[0].Text, "Sunday 25 October 2026: one session") || !strings.Contains(got[0].Text, "09:00–09:50") {
		t.Fatalf("%s", texts(got))
	}
}
