package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// busyHold is client c's hold of adi at start, 50 minutes and a 10-minute buffer.
func busyHold(c int64, start, now time.Time) tori.Appointment {
	return tori.Appointment{ID: tori.NewAppointmentID("adi"), TherapistID: "adi", ServiceID: "s",
		Client: tori.Client{ID: c, ChatID: c, Name: "Dana"}, Start: start, End: start.Add(50 * time.Minute),
		Buffer: 10 * time.Minute, Status: tori.StatusHeld, HoldToken: tori.RandomToken(12),
		HoldUntil: now.Add(15 * time.Minute), CreatedAt: now, UpdatedAt: now}
}

func imported(source string, ivs ...tori.Interval) tori.BusyImport {
	return tori.BusyImport{Source: source, Intervals: ivs, ETag: `"v1"`, LastModified: "Tue, 01 Dec 2026 08:00:00 GMT"}
}

// TestBusyRefusesHold: a hold over an imported busy time is refused, its
// buffer counting as for a booking; one that ends (buffer and all) where the
// busy time starts is taken; a busy time no longer in the calendar is free.
func TestBusyRefusesHold(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	busy := tori.Interval{Start: now.Add(48 * time.Hour), End: now.Add(50 * time.Hour)}
	if _, err := s.ReplaceBusy(ctx, "adi", imported("g1", busy), now); err != nil {
		t.Fatal(err)
	}

	for name, start := range map[string]time.Time{
		"Inside":    busy.Start.Add(30 * time.Minute),
		"Before":    busy.Start.Add(-30 * time.Minute),
		"BufferIn":  busy.Start.Add(-55 * time.Minute), // its buffer ends 5 minutes into the busy time
		"AtTheEnd":  busy.End.Add(-10 * time.Minute),
		"Enclosing": busy.Start.Add(-10 * time.Minute),
	} {
		if _, err := s.Hold(ctx, busyHold(101, start, now), 2, now); tori.ErrorCode(err) != tori.ECONFLICT {
			t.Errorf("%s: hold = %v, want ECONFLICT", name, err)
		}
	}
	if _, err := s.Hold(ctx, busyHold(102, busy.Start.Add(-60*time.Minute), now), 2, now); err != nil {
		t.Errorf("a hold whose buffer ends where the busy time starts: %v", err)
	}
	if _, err := s.Hold(ctx, busyHold(103, busy.End, now), 2, now); err != nil {
		t.Errorf("a hold from the busy time's end: %v", err)
	}

	// Busy times show in the free-time view, and leave with the calendar's next read.
	got, err := s.Busy(ctx, "adi", now, now.Add(72*time.Hour), now)
	if err != nil || !hasInterval(got, busy) {
		t.Fatalf("busy view = %v, %v; want the imported time in it", got, err)
	}
	if _, err := s.ReplaceBusy(ctx, "adi", imported("g1"), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hold(ctx, busyHold(104, busy.Start.Add(30*time.Minute), now), 2, now); err != nil {
		t.Errorf("a hold once the busy time left the calendar: %v", err)
	}
	if src, _ := s.BusySources(ctx, "adi"); len(src) != 0 {
		t.Errorf("sources after an empty read = %v", src)
	}
}

// TestBusyRefusesSeriesWeek: a series is refused the week an imported busy
// time takes, and names it as what is in the way.
func TestBusyRefusesSeriesWeek(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	first := now.Add(48 * time.Hour)
	busy := tori.Interval{Start: first.AddDate(0, 0, 14).Add(-30 * time.Minute), End: first.AddDate(0, 0, 14).Add(30 * time.Minute)}
	if _, err := s.ReplaceBusy(ctx, "adi", imported("g1", busy), now); err != nil {
		t.Fatal(err)
	}

	sr, occs := weeklySeries(7, first, 4, now.Add(15*time.Minute), now)
	err := s.TakeSeries(ctx, sr, occs, 2, now)
	weeks, ok := tori.SeriesConflicts(err)
	if !ok || len(weeks) != 1 || weeks[0].Week != 2 {
		t.Fatalf("series over a busy week = %v %+v; want week 2 refused", err, weeks)
	}
}

// TestReplaceBusyOnce: reading the same calendar again (or a retry)
// changes nothing and tells nothing again; a busy time newly over a live
// hold leaves the hold and is told once.
func TestReplaceBusyOnce(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	h, err := s.Hold(ctx, busyHold(101, now.Add(48*time.Hour), now), 2, now)
	if err != nil {
		t.Fatal(err)
	}

	over := tori.Interval{Start: now.Add(47 * time.Hour), End: now.Add(49 * time.Hour)}
	apart := tori.Interval{Start: now.Add(72 * time.Hour), End: now.Add(73 * time.Hour)}
	imp := imported("g1", over, apart)
	got, err := s.ReplaceBusy(ctx, "adi", imp, now)
	if err != nil || len(got) != 1 || got[0].AppointmentID != h.ID || !got[0].Busy.Start.Equal(over.Start) || !got[0].Busy.End.Equal(over.End) {
		t.Fatalf("first read: %+v, %v; want the hold told once", got, err)
	}
	if again, err := s.ReplaceBusy(ctx, "adi", imp, now.Add(time.Minute)); err != nil || len(again) != 0 {
		t.Fatalf("second read: %+v, %v; want nothing told", again, err)
	}
	if a, err := s.Appointment(ctx, h.ID); err != nil || a.Status != tori.StatusHeld {
		t.Fatalf("the hold after the import: %+v, %v; want it held still", a.Status, err)
	}

	st, err := s.BusyState(ctx, "adi", "g1")
	if err != nil || st.ETag != `"v1"` || st.Count != 2 || !st.At.Equal(now.Add(time.Minute)) {
		t.Fatalf("state = %+v, %v", st, err)
	}
	if n, _ := s.Redis.HLen(ctx, s.busyKey("adi", "g1")).Result(); n != 2 {
		t.Fatalf("%d busy times kept, want 2", n)
	}
}

// TestBusyRaceWithBookings: holds race an import over the same hours (the
// import sent after a different number of them each round); a hold that
// overlaps a busy time afterwards is one the import found there and told
// of, never one taken over it.
func TestBusyRaceWithBookings(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	day := now.Add(48 * time.Hour)

	// Busy every other hour of the day; holds on every half hour.
	var ivs []tori.Interval
	for h := 0; h < 24; h += 2 {
		ivs = append(ivs, tori.Interval{Start: day.Add(time.Duration(h) * time.Hour), End: day.Add(time.Duration(h+1) * time.Hour)})
	}
	var held, toldOf int
	for round := 0; round < 6; round++ {
		s := testStore(t)
		taken, told := raceImport(t, s, ivs, day, round*8, now)
		held, toldOf = held+len(taken), toldOf+len(told)

		was := map[string]bool{}
		for _, o := range told {
			was[o.AppointmentID] = true
		}
		for _, a := range taken {
			for _, iv := range ivs {
				if a.Start.Before(iv.End) && a.End.Add(a.Buffer).After(iv.Start) && !was[a.ID] {
					t.Errorf("round %d: hold at %s overlaps busy %s–%s and was not there before the import", round, a.Start.Format("15:04"), iv.Start.Format("15:04"), iv.End.Format("15:04"))
				}
			}
		}
	}
	t.Logf("%d holds taken, %d of them told of as under a busy time", held, toldOf)
}

// raceImport sends 48 holds and, after the first `after` of them, the
// import, all at once; it returns the holds taken and what the import told.
func raceImport(t *testing.T, s *Store, ivs []tori.Interval, day time.Time, after int, now time.Time) ([]tori.Appointment, []tori.BusyOverlap) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var taken []tori.Appointment
	var told []tori.BusyOverlap
	for i := 0; i < 48; i++ {
		if i == after {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if told, err = s.ReplaceBusy(context.Background(), "adi", imported("g1", ivs...), now); err != nil {
					t.Error(err)
				}
			}()
		}

		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.Hold(context.Background(), busyHold(int64(200+i), day.Add(time.Duration(i)*30*time.Minute), now), 2, now)
			if err == nil {
				mu.Lock()
				taken = append(taken, a)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return taken, told
}

func hasInterval(ivs []tori.Interval, want tori.Interval) bool {
	for _, iv := range ivs {
		if iv.Start.Equal(want.Start) && iv.End.Equal(want.End) {
			return true
		}
	}
	return false
}
