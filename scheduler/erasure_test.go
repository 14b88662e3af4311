package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
)

// cutShort records an erasure of c past its check whose process died
// before anyone was told, as Erase leaves it: the worker is to tell c,
// in lang, and the therapists.
func (e *env) cutShort(c tori.Client, lang string, therapists ...string) {
	e.t.Helper()
	ctx := context.Background()
	st, now := e.worker.cfg.Privacy.Store, e.clock.Now()
	if _, err := st.BeginErasure(ctx, c, now.Add(time.Minute), now); err != nil {
		e.t.Fatal(err)
	}
	step := tori.ErasureStep{From: tori.ErasureChecking, To: tori.ErasureErasing, Therapists: therapists,
		Due: now.Add(time.Minute), Until: now.Add(tori.SweepAfter + tori.ErasureSlack), Tell: lang}
	if err := st.AdvanceErasure(ctx, c.ID, step); err != nil {
		e.t.Fatal(err)
	}
}

// TestErasureFinishedByTheWorkerIsTold: an erasure the worker finished
// (its process died after the check) tells the client, once and in their
// language, that it is done, and the therapist that a client erased their
// data; a message Telegram did not take is tried again a minute later,
// the promise moving on meanwhile. Then nothing of the client is left,
// not even to tell them.
func TestErasureFinishedByTheWorkerIsTold(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	noa := tori.Client{ID: 5987134620, ChatID: 5987134620, Name: "Noa Zephyrine", Lang: "he"}
	a := e.book(noa, "talk", e.clock.At(mon.AddDays(1), "10:00"))
	e.clock.Set(a.End.Add(time.Hour))
	e.cutShort(noa, "he", "adi")

	// The worker erases, and sweeps SweepAfter later.
	e.clock.Add(time.Minute)
	e.run(e.worker.finishErasures)
	if got, _ := e.store.Appointment(ctx, a.ID); got.Client.ID != 0 {
		t.Fatalf("not erased: %+v", got)
	}
	if n := len(e.out.to(noa.ChatID)); n != 0 {
		t.Fatalf("told %d times before the sweep", n)
	}

	// Telegram does not take the message at first: tried again later.
	e.out.fail = func(r bot.Reply) error {
		if r.ChatID == noa.ChatID {
			return errors.New("telegram: 502 bad gateway")
		}
		return nil
	}
	e.clock.Add(tori.SweepAfter)
	if n, err := e.worker.finishErasures(ctx); err != nil || n != 0 {
		t.Fatalf("finished %d (%v) though the client was not told", n, err)
	}
	rec, err := e.worker.cfg.Privacy.Store.Erasure(ctx, noa.ID)
	if err != nil || !rec.Until.After(e.clock.Now()) || rec.Tell != "he" {
		t.Fatalf("waiting to tell: %+v %v", rec, err)
	}
	e.out.fail = nil
	e.clock.Add(time.Minute)
	if n := e.run(e.worker.finishErasures); n != 1 {
		t.Fatalf("finished %d", n)
	}
	e.clock.Add(time.Minute)
	e.run(e.worker.finishErasures)

	told := e.out.to(noa.ChatID)
	if len(told) != 1 || !strings.Contains(told[0].Text, "הנתונים שלכם נמחקו עכשיו") || told[0].Retry != "" {
		t.Fatalf("the client was told:\n%s", texts(told))
	}
	if therapist := texts(e.out.to(9001)); strings.Count(therapist, "A client has erased their personal data") != 1 || strings.Contains(therapist, "Zephyrine") {
		t.Fatalf("the therapist was told:\n%s", therapist)
	}
	if left := traces(t, e, noa, ""); len(left) > 0 {
		t.Fatalf("left of the client: %v", left)
	}
}

// TestErasureToldWhenAskedIsNotToldAgain: an erasure done when the client
// asked (they were told then) is swept by the worker without a word.
func TestErasureToldWhenAskedIsNotToldAgain(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	dana := client(101)
	a := e.book(dana, "talk", e.clock.At(mon.AddDays(1), "10:00"))
	e.clock.Set(a.End.Add(time.Hour))
	if r, err := e.worker.cfg.Privacy.Erase(ctx, dana); err != nil || !r.Done {
		t.Fatalf("erasure: %+v %v", r, err)
	}
	e.clock.Add(tori.SweepAfter)
	if n := e.run(e.worker.finishErasures); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if n := e.out.total(); n != 0 {
		t.Fatalf("%d messages sent by the sweep", n)
	}
}
