package scheduler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/storage"
)

func (e *env) join(c tori.Client, svc, thr string, from, to tori.Date, part tori.DayPart) tori.WaitEntry {
	e.t.Helper()
	w, err := e.bookings.JoinWaitlist(context.Background(), c, svc, thr, from, to, part)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// offers returns the waitlist offers sent to chat, and the hold id of the
// latest.
func (e *env) offers(chat int64) (int, string) {
	n, id := 0, ""
	for _, r := range e.out.to(chat) {
		if !strings.Contains(r.Text, "A time has come free for you") {
			continue
		}
		n++
		for _, row := range r.Keyboard {
			for _, b := range row {
				if a, ok := bot.ParseCallback(b.Data); ok && a.Verb == "wt" {
					id = a.Appt
				}
			}
		}
	}
	return n, id
}

func (e *env) cancel(c tori.Client, id string) {
	e.t.Helper()
	if _, _, _, err := e.bookings.Cancel(context.Background(), c, id, -1); err != nil {
		e.t.Fatal(err)
	}
}

// TestWaitlistDeclineThenTakeAndPay: a cancellation is offered to the first
// in line, who declines; the second (any therapist, mornings) is offered
// it, takes it, pays, and is booked; the therapist is told it was filled
// from the waitlist, and the chain ends.
func TestWaitlistDeclineThenTakeAndPay(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	dana, w1, w2 := client(101), client(201), client(202)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.join(w1, "intake", "adi", thu, thu, tori.AnyTime)
	second := e.join(w2, "intake", "", thu.AddDays(-1), thu.AddDays(1), tori.Mornings)
	if n := e.run(e.worker.offerFreedTimes); n != 0 {
		t.Fatalf("%d offers before anything came free", n)
	}
	e.cancel(dana, a.ID)
	if n := e.run(e.worker.offerFreedTimes); n != 1 {
		t.Fatalf("offers after the cancellation: %d", n)
	}
	n, first := e.offers(201)
	offer, _ := e.store.Appointment(ctx, first)
	if n != 1 || !offer.Start.Equal(a.Start) || offer.Status != tori.StatusHeld || !offer.HoldUntil.Equal(e.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("first offer: %d %+v", n, offer)
	}
	if !strings.Contains(texts(e.out.to(201)), "It is yours to take until <b>10:15</b>") {
		t.Fatalf("offer text:\n%s", texts(e.out.to(201)))
	}
	// While it is out, the time is held: nobody can book it.
	if _, err := e.bookings.Hold(ctx, client(301), "talk", "adi", a.Start, 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("booked over an offer: %v", err)
	}
	if n := e.run(e.worker.offerFreedTimes); n != 0 {
		t.Fatalf("offered again while the first is out: %d", n)
	}

	if _, err := e.bookings.DeclineOffer(ctx, w1, first); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(time.Minute))
	if n := e.run(e.worker.offerFreedTimes); n != 1 {
		t.Fatalf("offers after the decline: %d", n)
	}
	n, id := e.offers(202)
	if n != 1 {
		t.Fatalf("second in line got %d offers", n)
	}
	h, err := e.bookings.TakeOffer(ctx, w2, id)
	if err != nil || !h.HoldUntil.Equal(e.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("take: %+v %v", h, err)
	}
	h, err = e.bookings.StartPayment(ctx, w2, h.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pp.Approve(h.OrderID); err != nil {
		t.Fatal(err)
	}
	r, err := e.bookings.CompletePayment(ctx, h.OrderID, nil)
	if err != nil || r.Outcome != tori.PaidNow || r.Appointment.Status != tori.StatusConfirmed || r.Appointment.Paid.Amount != 35050 {
		t.Fatalf("payment: %+v %v", r, err)
	}
	if err := e.worker.cfg.Notify.PaymentSettled(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := texts(e.out.to(9001)); !strings.Contains(got, "New booking") || !strings.Contains(got, "From the waitlist") || !strings.Contains(got, "Client 202") {
		t.Fatalf("therapist:\n%s", got)
	}
	if es, _ := e.bookings.Waitlist(ctx, w2); len(es) != 0 {
		t.Fatalf("the entry that was served stays: %+v", es)
	}
	if es, _ := e.bookings.Waitlist(ctx, w1); len(es) != 1 {
		t.Fatalf("the first in line left the list by declining: %+v", es)
	}
	e.clock.Set(e.clock.Now().Add(20 * time.Minute))
	if n := e.run(e.worker.offerFreedTimes); n != 0 {
		t.Fatalf("offers after it was filled: %d", n)
	}
	if strings.Contains(texts(e.out.to(9001)), "Nobody on the waitlist") {
		t.Fatal("told nobody took a filled time")
	}
	_ = second
}

// TestWaitlistTimeoutPassesOn: an offer not taken within its window goes
// to the next in line, and the client is told; when the last one lets it
// pass too, the therapist is told nobody took it, once.
func TestWaitlistTimeoutPassesOn(t *testing.T) {
	e := newEnv(t, nil)
	dana, w1, w2 := client(101), client(201), client(202)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.join(w1, "talk", "adi", thu, thu, tori.AnyTime)
	e.join(w2, "talk", "adi", thu, thu, tori.Mornings)
	e.join(client(203), "talk", "adi", thu, thu, tori.Evenings) // does not fit 10:00
	e.cancel(dana, a.ID)
	e.run(e.worker.offerFreedTimes)
	if n, _ := e.offers(201); n != 1 {
		t.Fatalf("first offers: %d", n)
	}
	e.clock.Set(e.clock.Now().Add(15*time.Minute + time.Second))
	e.run(e.worker.expireHolds)
	if got := texts(e.out.to(201)); !strings.Contains(got, "was yours to take until 10:15, and has been passed on") {
		t.Fatalf("first in line, after the window:\n%s", got)
	}
	e.run(e.worker.offerFreedTimes)
	if n, _ := e.offers(202); n != 1 {
		t.Fatalf("second offers: %d", n)
	}
	e.clock.Set(e.clock.Now().Add(15*time.Minute + time.Second))
	e.run(e.worker.expireHolds)
	for range 3 {
		e.run(e.worker.offerFreedTimes)
	}
	if n, _ := e.offers(203); n != 0 {
		t.Fatal("an evenings entry was offered 10:00")
	}
	if got := texts(e.out.to(9001)); strings.Count(got, "Nobody on the waitlist took") != 1 || !strings.Contains(got, "offered to 2 clients") {
		t.Fatalf("therapist:\n%s", got)
	}
	if n, _ := e.offers(201); n != 1 {
		t.Fatalf("the first in line was offered the same freed time again: %d", n)
	}
}

// TestWaitlistFreedTwice: a time freed by a cancellation, then again by a
// hold that ran out, is offered once per freeing, however often the job
// runs; a declined time is not offered to the same client again.
func TestWaitlistFreedTwice(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	dana, omer, w1 := client(101), client(102), client(201)
	a := e.book(dana, "talk", e.clock.At(thu, "10:00"))
	e.join(w1, "talk", "adi", thu, thu, tori.AnyTime)
	e.cancel(dana, a.ID)
	for range 3 {
		e.run(e.worker.offerFreedTimes)
	}
	if n, _ := e.offers(201); n != 1 {
		t.Fatalf("offers for the cancellation: %d", n)
	}
	e.clock.Set(e.clock.Now().Add(16 * time.Minute))
	e.run(e.worker.expireHolds)
	e.run(e.worker.offerFreedTimes)
	// Omer holds the time and lets it run out: it comes free again.
	h, err := e.bookings.Hold(ctx, omer, "talk", "adi", a.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(h.HoldUntil.Add(time.Second))
	e.run(e.worker.expireHolds)
	for range 3 {
		e.run(e.worker.offerFreedTimes)
	}
	n, id := e.offers(201)
	if n != 2 {
		t.Fatalf("offers after the second freeing: %d, want 2 (one per freeing)", n)
	}
	// This time, no: a third freeing of the same time is not offered to them.
	if _, err := e.bookings.DeclineOffer(ctx, w1, id); err != nil {
		t.Fatal(err)
	}
	e.run(e.worker.offerFreedTimes)
	if err := e.bookings.Freed(ctx, "adi", a.Start, a.BlockEnd()); err != nil {
		t.Fatal(err)
	}
	e.run(e.worker.offerFreedTimes)
	if n, _ := e.offers(201); n != 2 {
		t.Fatalf("a declined time was offered again: %d offers\n%s", n, texts(e.out.to(201)))
	}
}

// TestWaitlistTwoWorkers: two workers, each claiming one item at a time,
// run the chains of many freed times at once; every client is offered
// once, and has one offer out at a time.
func TestWaitlistTwoWorkers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	cfg := e.worker.cfg
	cfg.Batch = 1
	workers := []*Worker{New(cfg), New(cfg)}
	var booked []tori.Appointment
	for i := range 6 {
		at := e.clock.At(thu, "09:00").Add(time.Duration(i) * time.Hour)
		if i >= 4 {
			at = e.clock.At(thu, "15:00").Add(time.Duration(i-4) * time.Hour)
		}
		booked = append(booked, e.book(client(int64(101+i)), "talk", at))
	}
	for i := range 8 {
		e.join(client(int64(201+i)), "talk", "adi", thu, thu, tori.AnyTime)
	}
	for i, a := range booked {
		e.cancel(client(int64(101+i)), a.ID)
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 12 {
				if _, err := w.offerFreedTimes(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	offered := 0
	for i := range 8 {
		n, _ := e.offers(int64(201 + i))
		if n > 1 {
			t.Fatalf("client %d got %d offers at once", 201+i, n)
		}
		offered += n
	}
	if offered != 6 {
		t.Fatalf("%d offers for 6 freed times", offered)
	}
}

// TestWaitlistOverlappingSteps: steps of one freed time that overlap (a
// lapsed lease, a re-queued item claimed twice) make one offer, and never
// end the chain while it is out.
func TestWaitlistOverlappingSteps(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	a := e.book(client(101), "talk", e.clock.At(thu, "10:00"))
	e.join(client(201), "talk", "adi", thu, thu, tori.AnyTime)
	e.join(client(202), "talk", "adi", thu, thu, tori.AnyTime)
	e.cancel(client(101), a.ID)
	claims, err := e.store.ClaimDue(ctx, tori.QueueWaitlist, "", e.clock.Now(), time.Minute, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("%v %v", claims, err)
	}
	id := claims[0].Member
	var wg sync.WaitGroup
	var mu sync.Mutex
	holds := map[string]bool{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			step, err := e.bookings.AdvanceFreeing(ctx, id)
			if err != nil && tori.ErrorCode(err) != tori.ECONFLICT {
				t.Error(err)
			}
			if step.Offer.ID != "" {
				mu.Lock()
				holds[step.Offer.ID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	f, _ := e.store.Freeing(ctx, id)
	if len(holds) != 1 || f.State != "" || f.Current == "" || len(f.Offered) != 1 {
		t.Fatalf("offers %v, freed time %+v", holds, f)
	}
}

// failOnce makes OfferMade fail once: a worker cut off after taking the
// offer's hold and before recording it.
type failOnce struct {
	*storage.Store
	failed bool
}

func (s *failOnce) OfferMade(ctx context.Context, f tori.Freeing, client int64, hold string) (tori.Freeing, error) {
	if !s.failed {
		s.failed = true
		return f, tori.Errorf(tori.EINTERNAL, "injected: cut off")
	}
	return s.Store.OfferMade(ctx, f, client, hold)
}

// TestWaitlistResumesACutOffStep: a step cut off between the offer's hold
// and its record is finished by the next (after the lease): the same
// client gets the one offer, nobody is told of an offer they never had.
func TestWaitlistResumesACutOffStep(t *testing.T) {
	e := newEnv(t, nil)
	e.bookings.Store = &failOnce{Store: e.store}
	a := e.book(client(101), "talk", e.clock.At(thu, "10:00"))
	e.join(client(201), "talk", "adi", thu, thu, tori.AnyTime)
	e.join(client(202), "talk", "adi", thu, thu, tori.AnyTime)
	e.cancel(client(101), a.ID)
	if n := e.run(e.worker.offerFreedTimes); n != 0 {
		t.Fatalf("offers from a cut-off step: %d", n)
	}
	e.clock.Set(e.clock.Now().Add(2*time.Minute + time.Second)) // the lease runs out
	e.run(e.worker.offerFreedTimes)
	n1, id := e.offers(201)
	n2, _ := e.offers(202)
	h, _ := e.store.Appointment(context.Background(), id)
	if n1 != 1 || n2 != 0 || h.Status != tori.StatusHeld || !h.Start.Equal(a.Start) {
		t.Fatalf("offers %d %d, hold %+v", n1, n2, h)
	}
	if got := texts(e.out.to(201)); strings.Contains(got, "has been passed on") {
		t.Fatalf("told of an offer passing on:\n%s", got)
	}
}

// TestWaitlistLongFreedTime: time off given back (09:00-13:00) with three
// clients waiting: each booking from it offers what is left to the next.
func TestWaitlistLongFreedTime(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	blk, err := e.bookings.Block(ctx, "adi", e.clock.At(thu, "09:00"), e.clock.At(thu, "13:00"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e.join(client(int64(201+i)), "talk", "adi", thu, thu, tori.AnyTime)
	}
	if err := e.bookings.Unblock(ctx, "adi", blk.ID); err != nil {
		t.Fatal(err)
	}
	want := []string{"09:00", "10:00", "11:00"}
	for i := range 3 {
		e.run(e.worker.offerFreedTimes)
		n, id := e.offers(int64(201 + i))
		h, err := e.bookings.TakeOffer(ctx, client(int64(201+i)), id)
		if err != nil || n != 1 || !h.Start.Equal(e.clock.At(thu, want[i])) {
			t.Fatalf("client %d: %d offers, %+v %v", 201+i, n, h, err)
		}
		if _, err := e.bookings.Confirm(ctx, client(int64(201+i)), id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWaitlistShortNoticeAndWindow: a time within the minimum notice is
// offered only when the practice allows it, with a window of at most a
// third of the time left; a client booked that day is skipped.
func TestWaitlistShortNoticeAndWindow(t *testing.T) {
	for _, allow := range []bool{false, true} {
		p := testPractice()
		p.Waitlist.AllowShortNotice = allow
		p.Policy.HoldFor = 40 * time.Minute // longer than what is left when taken
		e := newEnv(t, p)
		ctx := context.Background()
		a := e.book(client(101), "talk", e.clock.At(thu, "09:00"))
		e.book(client(202), "talk", e.clock.At(thu, "15:00"))
		e.join(client(202), "talk", "adi", thu, thu, tori.AnyTime) // booked that day: skipped
		e.join(client(201), "talk", "adi", thu, thu, tori.AnyTime)
		e.clock.Set(e.clock.At(thu, "08:30"))
		e.cancel(client(101), a.ID)
		e.run(e.worker.offerFreedTimes)
		n, id := e.offers(201)
		if n2, _ := e.offers(202); n2 != 0 {
			t.Fatal("offered to a client booked that day")
		}
		if !allow {
			if n != 0 {
				t.Fatal("offered within the minimum notice without leave")
			}
			continue
		}
		h, _ := e.store.Appointment(ctx, id)
		if n != 1 || !h.HoldUntil.Equal(e.clock.At(thu, "08:40")) { // a third of the 30 minutes left, under the 15 minute window
			t.Fatalf("short-notice offer: %d %+v", n, h)
		}
		e.clock.Set(e.clock.At(thu, "08:35"))
		h, err := e.bookings.TakeOffer(ctx, client(201), id)
		if err != nil || !h.HoldUntil.Equal(a.Start) { // held until the session at most
			t.Fatalf("take: %+v %v", h, err)
		}
		if got, err := e.bookings.Confirm(ctx, client(201), id); err != nil || got.Status != tori.StatusConfirmed {
			t.Fatalf("confirm: %+v %v", got, err)
		}
	}
}

// TestWaitlistEntriesEnd: an entry ends after its last day and its client
// is told once; time off given back is offered to the list.
func TestWaitlistEntriesEnd(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	w1 := client(201)
	e.join(w1, "talk", "adi", thu, thu, tori.AnyTime)
	blk, err := e.bookings.Block(ctx, "adi", e.clock.At(thu, "09:00"), e.clock.At(thu, "13:00"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bookings.Unblock(ctx, "adi", blk.ID); err != nil {
		t.Fatal(err)
	}
	e.run(e.worker.offerFreedTimes)
	n, id := e.offers(201)
	if h, _ := e.store.Appointment(ctx, id); n != 1 || !h.Start.Equal(e.clock.At(thu, "09:00")) {
		t.Fatalf("time off given back: %d offers, %+v", n, h)
	}
	e.clock.Set(e.clock.At(thu, "23:59"))
	if n := e.run(e.worker.endWaitEntries); n != 0 {
		t.Fatalf("ended %d entries before their last day was over", n)
	}
	e.clock.Set(e.clock.At(thu.AddDays(1), "00:00"))
	for range 2 {
		e.run(e.worker.endWaitEntries)
	}
	if got := texts(e.out.to(201)); strings.Count(got, "Your waitlist entry has ended") != 1 {
		t.Fatalf("client:\n%s", got)
	}
	if es, _ := e.bookings.Waitlist(ctx, w1); len(es) != 0 {
		t.Fatalf("entries %+v", es)
	}
}

// TestWaitlistOfferWithdrawn: an offer whose time the practice takes off
// (the hold let go by a block) is withdrawn: taking it says so plainly.
func TestWaitlistOfferWithdrawn(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	a := e.book(client(101), "talk", e.clock.At(thu, "10:00"))
	e.join(client(201), "talk", "adi", thu, thu, tori.AnyTime)
	e.cancel(client(101), a.ID)
	e.run(e.worker.offerFreedTimes)
	_, id := e.offers(201)
	h, _ := e.store.Appointment(ctx, id)
	if _, err := e.bookings.Block(ctx, "adi", e.clock.At(thu, "00:00"), e.clock.At(thu.AddDays(1), "00:00")); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Release(ctx, h.ID, h.HoldToken, e.clock.Now()); err != nil { // what /block does with holds in the way
		t.Fatal(err)
	}
	if _, err := e.bookings.TakeOffer(ctx, client(201), id); tori.ErrorCode(err) != tori.EGONE {
		t.Fatalf("taking a withdrawn offer: %v", err)
	}
	if _, err := e.bookings.TakeOffer(ctx, client(202), id); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("someone else's offer: %v", err)
	}
}
