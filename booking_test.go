package tori_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func mustBookings(t *testing.T) (*tori.Bookings, *clock) {
	t.Helper()
	p := practice()
	// Monday 30 November 2026, 10:00 in Jerusalem.
	c := &clock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location)}
	return &tori.Bookings{Practice: p, Store: storagetest.MustStore(t), Now: c.Now}, c
}

var (
	dana = tori.Client{ID: 101, ChatID: 101, Name: "Dana", Lang: "en"}
	omer = tori.Client{ID: 102, ChatID: 102, Name: "Omer", Lang: "he"}
	tue  = tori.Date{Year: 2026, Month: 12, Day: 1}
)

func at(b *tori.Bookings, d tori.Date, hm string) time.Time {
	m, err := tori.ParseMinute(hm)
	if err != nil {
		panic(err)
	}
	return d.At(m, b.Practice.Location)
}

func TestBookAndConfirm(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	h, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != tori.StatusHeld || h.HoldUntil.Sub(b.Now()) != 15*time.Minute || h.End.Sub(h.Start) != 50*time.Minute {
		t.Fatalf("hold = %+v", h)
	}
	// Omer cannot take an overlapping time with Adi.
	_, err = b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:30"), 0)
	if tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("overlapping hold: %v", err)
	}
	// Nor confirm Dana's hold.
	if _, err := b.Confirm(ctx, omer, h.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("confirm by another client: %v", err)
	}
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil || a.Status != tori.StatusConfirmed {
		t.Fatalf("Confirm = %+v, %v", a, err)
	}
	again, err := b.Confirm(ctx, dana, h.ID)
	if err != nil || again.ID != a.ID {
		t.Fatalf("second Confirm = %v", err)
	}
	up, err := b.Upcoming(ctx, dana)
	if err != nil || len(up) != 1 || up[0].ID != a.ID {
		t.Fatalf("Upcoming = %v, %v", up, err)
	}
	// The slot is gone from the free list.
	slots, err := b.FreeSlots(ctx, "talk", "adi", tue, tue)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Start.Equal(h.Start) {
			t.Fatal("booked time still offered")
		}
	}
}

func TestHoldRefusesTimesNotOffered(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	for name, start := range map[string]time.Time{
		"OffGrid":       at(b, tue, "10:10"),
		"OutOfHours":    at(b, tue, "13:30"),
		"Friday":        at(b, tori.Date{Year: 2026, Month: 12, Day: 4}, "10:00"),
		"Past":          at(b, tori.Date{Year: 2026, Month: 11, Day: 29}, "10:00"),
		"TooSoon":       at(b, tori.Date{Year: 2026, Month: 11, Day: 30}, "11:00"),
		"BeyondHorizon": at(b, tue.AddDays(70), "10:00"),
	} {
		if _, err := b.Hold(ctx, dana, "talk", "adi", start, 0); tori.ErrorCode(err) != tori.ECONFLICT {
			t.Errorf("%s: Hold = %v, want ECONFLICT", name, err)
		}
	}
	if _, err := b.Hold(ctx, dana, "intake", "noa", at(b, tue, "12:00"), 0); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Errorf("therapist who does not offer the service: %v", err)
	}
	if _, err := b.Hold(ctx, dana, "nope", "", at(b, tue, "12:00"), 0); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Errorf("unknown service: %v", err)
	}
}

func TestFirstAvailable(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	// 12:00 is offered by both Adi (till 13:00) and Noa.
	first, err := b.Hold(ctx, dana, "talk", "", at(b, tue, "12:00"), 0)
	if err != nil || first.TherapistID != "adi" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	second, err := b.Hold(ctx, omer, "talk", "", at(b, tue, "12:00"), 0)
	if err != nil || second.TherapistID != "noa" {
		t.Fatalf("second = %+v, %v", second, err)
	}
	if _, err := b.Hold(ctx, tori.Client{ID: 103}, "talk", "", at(b, tue, "12:00"), 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("third: %v", err)
	}
	slots, _ := b.FreeSlots(ctx, "talk", "", tue, tue)
	for _, s := range slots {
		if s.Start.Equal(at(b, tue, "12:00")) {
			t.Fatal("12:00 still offered with both therapists held")
		}
	}
}

// TestFreeSlotsAnyTherapist: the times offered with "anyone" are the union
// of each therapist's, in time order, each once, and a time both have is
// the first configured therapist's.
func TestFreeSlotsAnyTherapist(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	if _, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	owner := map[int64]string{}
	for _, id := range []string{"noa", "adi"} { // adi last: where both are free, adi's
		slots, err := b.FreeSlots(ctx, "talk", id, tue, tue.AddDays(6))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range slots {
			owner[s.Start.Unix()] = id
		}
	}
	anyone, err := b.FreeSlots(ctx, "talk", "", tue, tue.AddDays(6))
	if err != nil {
		t.Fatal(err)
	}
	if len(anyone) != len(owner) {
		t.Fatalf("%d times with anyone, want %d (each therapist's, once)", len(anyone), len(owner))
	}
	shared := 0
	for i, s := range anyone {
		if i > 0 && !anyone[i-1].Start.Before(s.Start) {
			t.Fatalf("not in time order at %d: %s then %s", i, anyone[i-1].Start, s.Start)
		}
		if want := owner[s.Start.Unix()]; s.TherapistID != want {
			t.Fatalf("%s is offered with %q, want %q", s.Start, s.TherapistID, want)
		}
		if s.TherapistID == "adi" {
			shared++
		}
	}
	if shared == 0 || shared == len(anyone) {
		t.Fatalf("%d of %d times are adi's: the fixture should give both therapists some", shared, len(anyone))
	}
}

func TestConfirmAfterHoldRanOut(t *testing.T) {
	ctx := context.Background()
	t.Run("StillFree", func(t *testing.T) {
		b, c := mustBookings(t)
		h, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
		if err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(20 * time.Minute)
		a, err := b.Confirm(ctx, dana, h.ID)
		if err != nil || a.Status != tori.StatusConfirmed || !a.Start.Equal(h.Start) {
			t.Fatalf("Confirm = %+v, %v", a, err)
		}
	})
	t.Run("TakenMeanwhile", func(t *testing.T) {
		b, c := mustBookings(t)
		h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
		c.t = c.t.Add(20 * time.Minute)
		o, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue, "10:00"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Confirm(ctx, dana, h.ID); tori.ErrorCode(err) != tori.ECONFLICT {
			t.Fatalf("Confirm of a lost hold: %v", err)
		}
		if _, err := b.Confirm(ctx, omer, o.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPaidServiceIsNotConfirmedWithoutPayment(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	h, err := b.Hold(ctx, dana, "intake", "", at(b, tue, "09:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Confirm(ctx, dana, h.ID); tori.ErrorCode(err) != tori.EINVALID {
		t.Fatalf("Confirm = %v, want EINVALID", err)
	}
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	book := func(d tori.Date, hm string) tori.Appointment {
		h, err := b.Hold(ctx, dana, "talk", "adi", at(b, d, hm), 0)
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.Confirm(ctx, dana, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := book(tue.AddDays(2), "10:00") // Thursday, 72 hours ahead
	if _, _, err := b.QuoteCancel(ctx, omer, a.ID); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("quote by another client: %v", err)
	}
	_, terms, err := b.QuoteCancel(ctx, dana, a.ID)
	if err != nil || terms.Tier.Percent != 100 || terms.Late {
		t.Fatalf("quote = %+v, %v", terms, err)
	}
	c.t = at(b, tue.AddDays(1), "12:00") // 22 hours before
	if _, terms, _ = b.QuoteCancel(ctx, dana, a.ID); terms.Tier.Percent != 0 || !terms.Late {
		t.Fatalf("late quote = %+v", terms)
	}
	got, terms, fresh, err := b.Cancel(ctx, dana, a.ID, -1)
	if err != nil || got.Status != tori.StatusCancelledByClient || terms.Tier.Percent != 0 || !fresh || got.RefundState != tori.RefundNone {
		t.Fatalf("Cancel = %+v %+v %v", got, terms, err)
	}
	if _, _, _, err := b.Cancel(ctx, dana, a.ID, -1); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("second Cancel: %v", err)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 0 {
		t.Fatalf("Upcoming after cancel = %v", up)
	}
}

func TestReschedule(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), "10:00"), 0)
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Its own time does not block a move by half an hour.
	slots, err := b.RescheduleSlots(ctx, dana, a.ID, tue.AddDays(2), tue.AddDays(2))
	if err != nil {
		t.Fatal(err)
	}
	has := func(tm time.Time) bool {
		for _, s := range slots {
			if s.Start.Equal(tm) {
				return true
			}
		}
		return false
	}
	if !has(at(b, tue.AddDays(2), "10:30")) || has(a.Start) {
		t.Fatalf("reschedule slots wrong: 10:30 offered %v, own time offered %v", has(at(b, tue.AddDays(2), "10:30")), has(a.Start))
	}
	if _, err := b.HoldMove(ctx, omer, a.ID, at(b, tue.AddDays(2), "10:30"), 0); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("HoldMove by another client: %v", err)
	}
	mh, err := b.HoldMove(ctx, dana, a.ID, at(b, tue.AddDays(2), "10:30"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Until confirmed, the old time stays booked.
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue.AddDays(2), "09:30"), 0); tori.ErrorCode(err) != tori.ECONFLICT {
		t.Fatalf("old time taken during a pending move: %v", err)
	}
	moved, err := b.Confirm(ctx, dana, mh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != a.ID || !moved.Start.Equal(at(b, tue.AddDays(2), "10:30")) || moved.Seq != 1 {
		t.Fatalf("moved = %+v", moved)
	}
	// The old start is free again for others (09:00-09:50 + buffer ends 10:00, before 10:30).
	if _, err := b.Hold(ctx, omer, "talk", "adi", at(b, tue.AddDays(2), "09:30"), 0); err != nil {
		t.Fatalf("old time after move: %v", err)
	}
	// Too late to move: less than 24 hours before.
	c.t = at(b, tue.AddDays(1), "11:00")
	if _, err := b.CheckReschedule(ctx, dana, a.ID); tori.ErrorCode(err) != tori.ETOOLATE {
		t.Fatalf("late reschedule: %v", err)
	}
}

// TestStaleMoveAfterCutOff: a move held in time but confirmed after the
// reschedule cut-off (or after the hold ran out) is refused, not applied.
func TestStaleMoveAfterCutOff(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(2), "10:00"), 0) // Thursday 10:00
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.t = at(b, tue.AddDays(1), "09:50") // 24h10m before
	mh, err := b.HoldMove(ctx, dana, a.ID, at(b, tue.AddDays(1), "15:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	c.t = at(b, tue.AddDays(1), "10:30") // the hold has run out, and the cut-off has passed
	if _, err := b.Confirm(ctx, dana, mh.ID); tori.ErrorCode(err) != tori.ETOOLATE {
		t.Fatalf("stale move: %v", err)
	}
	got, _ := b.Own(ctx, dana, a.ID)
	if !got.Start.Equal(a.Start) || got.Seq != 0 {
		t.Fatalf("the booking moved: %+v", got)
	}
}

// TestDoubleConfirmOfRunOutHold: both presses of Confirm on a hold that ran
// out end with the same single booking.
func TestDoubleConfirmOfRunOutHold(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	h, _ := b.Hold(ctx, dana, "talk", "adi", at(b, tue, "10:00"), 0)
	c.t = c.t.Add(30 * time.Minute)
	first, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Confirm(ctx, dana, h.ID)
	if err != nil || second.ID != first.ID || first.ID != h.ID {
		t.Fatalf("second press: %+v, %v", second, err)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 1 {
		t.Fatalf("%d bookings", len(up))
	}
}

// TestFreeSlotsSpringForwardOnce: on the night clocks spring forward a
// working span can end (in absolute time) where the next one begins; the
// time they share is offered once.
func TestFreeSlotsSpringForwardOnce(t *testing.T) {
	ctx := context.Background()
	p := practice()
	p.Policy.SlotStep = 30 * time.Minute
	p.Therapists[0].Hours[time.Friday] = []tori.Span{span("01:00", "02:30"), span("03:00", "05:00")}
	for i := range p.Services {
		if p.Services[i].ID == "talk" { // 30 minutes, no buffer: the first span's last time is 03:00
			p.Services[i].Duration, p.Services[i].BufferAfter = 30*time.Minute, 0
		}
	}
	fri := tori.Date{Year: 2026, Month: 3, Day: 27} // Israel moves to summer time at 02:00
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, p.Location)
	b := &tori.Bookings{Practice: p, Store: storagetest.MustStore(t), Now: func() time.Time { return now }}
	talk, _ := p.Service("talk")
	raw := tori.FreeSlots(p, p.Therapists[0], talk, fri, fri, nil, now)
	twice := false
	for i := 1; i < len(raw); i++ {
		twice = twice || raw[i].Equal(raw[i-1])
	}
	if !twice {
		t.Fatalf("the fixture should give a time twice (one span ending where the next begins): %v", raw)
	}
	slots, err := b.FreeSlots(ctx, "talk", p.Therapists[0].ID, fri, fri)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(slots); i++ {
		if !slots[i].Start.After(slots[i-1].Start) {
			t.Fatalf("%s offered twice (or out of order): %v", slots[i].Start, slots)
		}
	}
	if len(slots) == 0 {
		t.Fatal("no free times")
	}
}

// countingStore counts the busy-time reads beside a hold's own, and can
// run race once, right after a hold's reads: another client taking the
// time between the read and the hold's script.
type countingStore struct {
	tori.Store
	busyReads int
	race      func()
}

func (s *countingStore) BusyAll(ctx context.Context, ids []string, from, to, now time.Time) ([][]tori.Interval, error) {
	s.busyReads++
	return s.Store.BusyAll(ctx, ids, from, to, now)
}

func (s *countingStore) HoldReads(ctx context.Context, c tori.Client, remember bool, ids []string, from, to, now time.Time) ([][]tori.Interval, string, error) {
	busy, prepay, err := s.Store.HoldReads(ctx, c, remember, ids, from, to, now)
	if s.race != nil {
		race := s.race
		s.race = nil
		race()
	}
	return busy, prepay, err
}

// TestTakenHoldCarriesNearbyTimes: a hold whose read finds its time taken
// answers ECONFLICT with the free times of the days around it, as a fresh
// read gives them (a booking days away included, and for "anyone" too),
// and reads nothing more. One that loses the time to another client after
// its read carries none (the read is out of date), nor does a move that
// finds its new time taken: the caller reads again.
func TestTakenHoldCarriesNearbyTimes(t *testing.T) {
	ctx := context.Background()
	b, _ := mustBookings(t)
	cs := &countingStore{Store: b.Store}
	b.Store = cs
	noon := at(b, tue, "12:00")
	// Taken at noon with both therapists, and a booking five days on,
	// which only a read of the days around shows.
	for i, thr := range []string{"adi", "noa"} {
		if _, err := b.Hold(ctx, tori.Client{ID: int64(200 + i), ChatID: int64(200 + i)}, "talk", thr, noon, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Hold(ctx, tori.Client{ID: 202, ChatID: 202}, "talk", "adi", at(b, tue.AddDays(5), "10:00"), 0); err != nil {
		t.Fatal(err)
	}
	for _, thr := range []string{"adi", ""} {
		cs.busyReads = 0
		_, err := b.Hold(ctx, omer, "talk", thr, noon, 0)
		near, ok := tori.NearSlots(err)
		if tori.ErrorCode(err) != tori.ECONFLICT || !ok || len(near) == 0 {
			t.Fatalf("therapist %q, seen taken: %v, %d near times, want ECONFLICT with near times", thr, err, len(near))
		}
		if cs.busyReads != 0 {
			t.Fatalf("therapist %q: the hold read busy times %d more times", thr, cs.busyReads)
		}
		fresh, err := b.FreeSlots(ctx, "talk", thr, tue.AddDays(-tori.NearBefore), tue.AddDays(tori.NearAfter))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(near, fresh) {
			i := 0
			for i < min(len(near), len(fresh)) && near[i] == fresh[i] {
				i++
			}
			t.Fatalf("therapist %q: %d near times, a fresh read gives %d; they part at %d: %v against %v",
				thr, len(near), len(fresh), i, near[i:min(i+1, len(near))], fresh[i:min(i+1, len(fresh))])
		}
	}

	eleven := at(b, tue, "11:00")
	cs.race = func() {
		if _, err := b.Hold(ctx, tori.Client{ID: 103, ChatID: 103}, "talk", "adi", eleven, 0); err != nil {
			t.Fatalf("the racing hold: %v", err)
		}
	}
	_, err := b.Hold(ctx, omer, "talk", "adi", eleven, 0)
	if _, ok := tori.NearSlots(err); tori.ErrorCode(err) != tori.ECONFLICT || ok {
		t.Fatalf("lost after the read: %v, near times carried: %v; want ECONFLICT without", err, ok)
	}

	h, err := b.Hold(ctx, dana, "talk", "adi", at(b, tue.AddDays(1), "10:00"), 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.Confirm(ctx, dana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.HoldMove(ctx, dana, a.ID, eleven, 0)
	if _, ok := tori.NearSlots(err); tori.ErrorCode(err) != tori.ECONFLICT || ok {
		t.Fatalf("a move to a taken time: %v, near times carried: %v; want ECONFLICT without", err, ok)
	}
}
