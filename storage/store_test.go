package storage_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// hold builds a hold of therapist "adi" for client c at t0+offset lasting dur
// with a 10-minute buffer, held for 15 minutes from now.
func hold(c int64, offset, dur time.Duration, now time.Time) tori.Appointment {
	return tori.Appointment{
		ID:          tori.NewAppointmentID("adi"),
		TherapistID: "adi",
		ServiceID:   "session",
		Client:      tori.Client{ID: c, ChatID: c, Name: fmt.Sprint("client ", c), Lang: "en"},
		Start:       t0.Add(offset),
		End:         t0.Add(offset + dur),
		Buffer:      10 * time.Minute,
		Status:      tori.StatusHeld,
		HoldToken:   tori.RandomToken(12),
		HoldUntil:   now.Add(15 * time.Minute),
		Price:       tori.Money{Amount: 35000, Currency: "ILS"},
		Payment:     tori.PayNone,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
}

func mustHold(t *testing.T, s *storage.Store, a tori.Appointment, now time.Time) tori.Appointment {
	t.Helper()
	got, err := s.Hold(context.Background(), a, 2, now)
	if err != nil {
		t.Fatalf("Hold(%s at %s): %v", a.ID, a.Start, err)
	}
	return got
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if tori.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
}

func TestHold(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-24 * time.Hour)

	t.Run("OverlapRefused", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, time.Hour, now), now)
		_, err := s.Hold(ctx, hold(2, 30*time.Minute, time.Hour, now), 2, now)
		wantCode(t, err, tori.ECONFLICT)
		_, err = s.Hold(ctx, hold(2, -30*time.Minute, time.Hour, now), 2, now)
		wantCode(t, err, tori.ECONFLICT)
	})
	t.Run("BufferCounts", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, time.Hour, now), now)
		// Starts inside the first session's 10-minute buffer.
		_, err := s.Hold(ctx, hold(2, 65*time.Minute, time.Hour, now), 2, now)
		wantCode(t, err, tori.ECONFLICT)
		// Its own buffer would run into the next session.
		mustHold(t, s, hold(3, 3*time.Hour, time.Hour, now), now)
		_, err = s.Hold(ctx, hold(2, 2*time.Hour, 55*time.Minute, now), 2, now)
		wantCode(t, err, tori.ECONFLICT)
	})
	t.Run("AdjacentAllowed", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, time.Hour, now), now)
		mustHold(t, s, hold(2, 70*time.Minute, 50*time.Minute, now), now)
		mustHold(t, s, hold(1, -60*time.Minute, 50*time.Minute, now), now)
	})
	t.Run("LongSessionBeforeIsSeen", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, 4*time.Hour, now), now)
		_, err := s.Hold(ctx, hold(2, 3*time.Hour, 30*time.Minute, now), 2, now)
		wantCode(t, err, tori.ECONFLICT)
	})
	t.Run("RetryIsIdempotent", func(t *testing.T) {
		s := storagetest.MustStore(t)
		a := hold(1, 0, time.Hour, now)
		mustHold(t, s, a, now)
		mustHold(t, s, a, now)
		b := a
		b.HoldToken = "another"
		_, err := s.Hold(ctx, b, 2, now)
		wantCode(t, err, tori.EINTERNAL)
	})
	t.Run("RefusedTakeGivesTheReservationBack", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, time.Hour, now), now)
		// With a cap of one, a refused take must not use client 2's place.
		_, err := s.Hold(ctx, hold(2, 30*time.Minute, time.Hour, now), 1, now)
		wantCode(t, err, tori.ECONFLICT)
		if _, err := s.Hold(ctx, hold(2, 3*time.Hour, time.Hour, now), 1, now); err != nil {
			t.Fatalf("after a refused take, the client's one place: %v", err)
		}
	})
	t.Run("ClientHoldCap", func(t *testing.T) {
		s := storagetest.MustStore(t)
		mustHold(t, s, hold(1, 0, time.Hour, now), now)
		mustHold(t, s, hold(1, 2*time.Hour, time.Hour, now), now)
		_, err := s.Hold(ctx, hold(1, 4*time.Hour, time.Hour, now), 2, now)
		wantCode(t, err, tori.ELIMIT)
		// Another client is not limited by it.
		mustHold(t, s, hold(2, 4*time.Hour, time.Hour, now), now)
		// Once the holds run out, the client may hold again.
		later := now.Add(16 * time.Minute)
		mustHold(t, s, hold(1, 6*time.Hour, time.Hour, later), later)
	})
	t.Run("ExpiredHoldFreesTime", func(t *testing.T) {
		s := storagetest.MustStore(t)
		first := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		later := first.HoldUntil // the hold ends exactly now
		second := mustHold(t, s, hold(2, 0, time.Hour, later), later)
		_, err := s.Confirm(ctx, first.ID, first.HoldToken, later)
		wantCode(t, err, tori.EEXPIRED)
		if _, err := s.Confirm(ctx, second.ID, second.HoldToken, later); err != nil {
			t.Fatalf("second Confirm: %v", err)
		}
	})
}

func TestConfirm(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-24 * time.Hour)
	t.Run("OK", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		a, err := s.Confirm(ctx, h.ID, h.HoldToken, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != tori.StatusConfirmed || !a.Start.Equal(h.Start) || a.Client.Name != "client 1" {
			t.Fatalf("confirmed = %+v", a)
		}
		// Confirmed time stays taken after the hold would have ended.
		late := now.Add(time.Hour)
		_, err = s.Hold(ctx, hold(2, 0, time.Hour, late), 2, late)
		wantCode(t, err, tori.ECONFLICT)
		// A retried confirm is harmless.
		if _, err := s.Confirm(ctx, h.ID, h.HoldToken, late); err != nil {
			t.Fatalf("second Confirm: %v", err)
		}
		// The record no longer expires.
		ttl, _ := s.Redis.PTTL(ctx, s.Prefix+"{t:adi}:a:"+h.ID).Result()
		if ttl != -1 {
			t.Fatalf("TTL of a confirmed appointment = %v, want none", ttl)
		}
	})
	t.Run("WrongToken", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		_, err := s.Confirm(ctx, h.ID, "forged", now)
		wantCode(t, err, tori.ECONFLICT)
	})
	t.Run("Unknown", func(t *testing.T) {
		s := storagetest.MustStore(t)
		_, err := s.Confirm(ctx, tori.NewAppointmentID("adi"), "x", now)
		wantCode(t, err, tori.ENOTFOUND)
		_, err = s.Confirm(ctx, "not-an-id", "x", now)
		wantCode(t, err, tori.ENOTFOUND)
	})
	t.Run("Released", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		if err := s.Release(ctx, h.ID, h.HoldToken, now); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, h.ID, h.HoldToken, now); err != nil {
			t.Fatalf("second Release: %v", err)
		}
		_, err := s.Confirm(ctx, h.ID, h.HoldToken, now)
		wantCode(t, err, tori.ECONFLICT)
		mustHold(t, s, hold(2, 0, time.Hour, now), now)
	})
}

func mustBook(t *testing.T, s *storage.Store, a tori.Appointment, now time.Time) tori.Appointment {
	t.Helper()
	h := mustHold(t, s, a, now)
	b, err := s.Confirm(context.Background(), h.ID, h.HoldToken, now)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMove(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustBook(t, s, hold(1, 0, time.Hour, now), now)
	// Move 30 minutes later: overlaps only itself.
	h := hold(1, 30*time.Minute, time.Hour, now)
	h.Moves = a.ID
	h = mustHold(t, s, h, now)
	// While the move is pending, both the old and new times are taken.
	_, err := s.Hold(ctx, hold(2, -60*time.Minute, 50*time.Minute, now), 2, now)
	if err != nil {
		t.Fatalf("time before the old booking: %v", err)
	}
	_, err = s.Hold(ctx, hold(3, 0, 25*time.Minute, now), 2, now)
	wantCode(t, err, tori.ECONFLICT)

	moved, err := s.Move(ctx, h.ID, h.HoldToken, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != a.ID || !moved.Start.Equal(t0.Add(30*time.Minute)) || moved.Seq != 1 || moved.Status != tori.StatusConfirmed {
		t.Fatalf("moved = %+v", moved)
	}
	// The hold is consumed: using it again finds nothing (the script itself
	// is idempotent on a lost reply, see TestScriptsIdempotent).
	_, err = s.Move(ctx, h.ID, h.HoldToken, 0, now)
	wantCode(t, err, tori.ENOTFOUND)
	busy, err := s.Busy(ctx, "adi", t0.Add(-24*time.Hour), t0.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	var mine []tori.Interval
	for _, iv := range busy {
		if iv.ID == a.ID || iv.ID == h.ID {
			mine = append(mine, iv)
		}
	}
	if len(mine) != 1 || mine[0].ID != a.ID || !mine[0].Start.Equal(moved.Start) || !mine[0].End.Equal(moved.BlockEnd()) {
		t.Fatalf("busy after move = %+v", mine)
	}
	list, err := s.ClientAppointments(ctx, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("client appointments = %+v", list)
	}
}

func TestMoveAfterCancel(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustBook(t, s, hold(1, 0, time.Hour, now), now)
	h := hold(1, 3*time.Hour, time.Hour, now)
	h.Moves = a.ID
	h = mustHold(t, s, h, now)
	if _, err := cancel(ctx, s, a.ID, tori.StatusCancelledByClient, now); err != nil {
		t.Fatal(err)
	}
	_, err := s.Move(ctx, h.ID, h.HoldToken, 0, now)
	wantCode(t, err, tori.EGONE)
}

func TestMoveTooLate(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustBook(t, s, hold(1, 0, time.Hour, now), now)
	h := hold(1, 3*time.Hour, time.Hour, now)
	h.Moves = a.ID
	h = mustHold(t, s, h, now)
	// The cut-off is checked in the same step as the move.
	_, err := s.Move(ctx, h.ID, h.HoldToken, 49*time.Hour, now)
	wantCode(t, err, tori.ETOOLATE)
	if _, err := s.Move(ctx, h.ID, h.HoldToken, 48*time.Hour, now); err != nil {
		t.Fatalf("exactly at the cut-off: %v", err)
	}
}

func TestHoldCapAcrossTherapists(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	mustHold(t, s, hold(1, 0, time.Hour, now), now)
	other := hold(1, 0, time.Hour, now)
	other.TherapistID, other.ID = "noa", tori.NewAppointmentID("noa")
	mustHold(t, s, other, now)
	third := hold(1, 0, time.Hour, now)
	third.TherapistID, third.ID = "dana", tori.NewAppointmentID("dana")
	_, err := s.Hold(ctx, third, 2, now)
	wantCode(t, err, tori.ELIMIT)
	// Confirming one frees a place under the cap.
	if _, err := s.Confirm(ctx, other.ID, other.HoldToken, now); err != nil {
		t.Fatal(err)
	}
	mustHold(t, s, third, now)
}

func TestRenew(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	later := now.Add(20 * time.Minute) // after the 15-minute hold ended
	t.Run("StillFree", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		r, err := s.Renew(ctx, h.ID, h.HoldToken, later.Add(15*time.Minute), 2, later)
		if err != nil || r.ID != h.ID || !r.HoldUntil.Equal(later.Add(15*time.Minute)) {
			t.Fatalf("Renew = %+v, %v", r, err)
		}
		// The renewed hold blocks others again, and confirms under its old token.
		_, err = s.Hold(ctx, hold(2, 0, time.Hour, later), 2, later)
		wantCode(t, err, tori.ECONFLICT)
		if _, err := s.Confirm(ctx, h.ID, h.HoldToken, later); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TakenMeanwhile", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		mustHold(t, s, hold(2, 30*time.Minute, time.Hour, later), later)
		_, err := s.Renew(ctx, h.ID, h.HoldToken, later.Add(15*time.Minute), 2, later)
		wantCode(t, err, tori.ECONFLICT)
	})
	t.Run("WrongToken", func(t *testing.T) {
		s := storagetest.MustStore(t)
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		_, err := s.Renew(ctx, h.ID, "forged", later.Add(15*time.Minute), 2, later)
		wantCode(t, err, tori.ECONFLICT)
	})
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	a := mustBook(t, s, hold(1, 0, time.Hour, now), now)
	c, err := cancel(ctx, s, a.ID, tori.StatusCancelledByClient, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != tori.StatusCancelledByClient {
		t.Fatalf("status = %s", c.Status)
	}
	if _, err := cancel(ctx, s, a.ID, tori.StatusCancelledByClient, now); err != nil {
		t.Fatalf("retried Cancel: %v", err)
	}
	_, err = cancel(ctx, s, a.ID, tori.StatusCancelledByPractice, now)
	wantCode(t, err, tori.ECONFLICT)
	mustHold(t, s, hold(2, 0, time.Hour, now), now)
	h := mustHold(t, s, hold(3, 5*time.Hour, time.Hour, now), now)
	_, err = cancel(ctx, s, h.ID, tori.StatusCancelledByClient, now)
	wantCode(t, err, tori.ECONFLICT)
}

func TestClientAppointments(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	late := mustBook(t, s, hold(1, 5*time.Hour, time.Hour, now), now)
	early := mustBook(t, s, hold(1, 0, time.Hour, now), now)
	mustBook(t, s, hold(2, 2*time.Hour, time.Hour, now), now)
	gone := mustHold(t, s, hold(1, 8*time.Hour, time.Hour, now), now)
	s.Redis.Del(ctx, s.Prefix+"{t:adi}:a:"+gone.ID) // a hold record that has expired away

	list, err := s.ClientAppointments(ctx, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != early.ID || list[1].ID != late.ID {
		t.Fatalf("list = %v", ids(list))
	}
	list, _ = s.ClientAppointments(ctx, 1, t0.Add(time.Hour))
	if len(list) != 1 || list[0].ID != late.ID {
		t.Fatalf("list from t0+1h = %v", ids(list))
	}
	if n, _ := s.Redis.ZCard(ctx, s.Prefix+"{c:1}:appts").Result(); n != 2 {
		t.Fatalf("index still has %d entries, want the stale one dropped", n)
	}
}

func ids(as []tori.Appointment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

// TestRaceForOverlappingTimes: many goroutines of several clients race for
// overlapping times of different lengths. Afterwards no two live blocks of
// the therapist overlap, and every contested start time has exactly one
// winner.
func TestRaceForOverlappingTimes(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	s := storagetest.MustStore(t)
	durations := []time.Duration{30 * time.Minute, 50 * time.Minute, 90 * time.Minute}
	const clients, perClient = 24, 40
	var wins, conflicts atomic.Int64
	winners := make([][]string, 0)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				// Every client tries every time in the same order, so each start
				// is contested by all clients.
				offset := time.Duration(i) * 15 * time.Minute
				a := hold(int64(c+1), offset, durations[(i+c)%len(durations)], now)
				h, err := s.Hold(ctx, a, 1000, now)
				switch tori.ErrorCode(err) {
				case "":
					if _, err := s.Confirm(ctx, h.ID, h.HoldToken, now); err != nil {
						t.Errorf("Confirm: %v", err)
						return
					}
					wins.Add(1)
					mu.Lock()
					winners = append(winners, []string{h.ID, offset.String()})
					mu.Unlock()
				case tori.ECONFLICT:
					conflicts.Add(1)
				default:
					t.Errorf("Hold: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	busy, err := s.Busy(ctx, "adi", t0.Add(-time.Hour), t0.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(busy)) != wins.Load() || wins.Load() == 0 {
		t.Fatalf("%d busy blocks, %d wins", len(busy), wins.Load())
	}
	for i := range busy {
		for j := i + 1; j < len(busy); j++ {
			if busy[i].Start.Before(busy[j].End) && busy[j].Start.Before(busy[i].End) {
				t.Fatalf("overlap: %+v and %+v", busy[i], busy[j])
			}
		}
	}
	perStart := map[string]int{}
	for _, w := range winners {
		perStart[w[1]]++
	}
	for st, n := range perStart {
		if n != 1 {
			t.Fatalf("start %s won %d times", st, n)
		}
	}
	if wins.Load()+conflicts.Load() != clients*perClient {
		t.Fatalf("wins %d + conflicts %d != %d attempts", wins.Load(), conflicts.Load(), clients*perClient)
	}
	t.Logf("%d attempts: %d won, %d refused", clients*perClient, wins.Load(), conflicts.Load())
}

func cancel(ctx context.Context, s *storage.Store, id string, status tori.Status, now time.Time) (tori.Appointment, error) {
	a, _, err := s.CancelWithRefund(ctx, id, status, tori.Money{Currency: "ILS"}, false, now)
	return a, err
}

// TestBlockTwiceIsOneBlock: the same time off made twice (a double tap) is
// one block, and unblocking it frees the time.
func TestBlockTwiceIsOneBlock(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	now := t0.Add(-24 * time.Hour)
	a, err := s.AddBlock(ctx, "adi", t0, t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddBlock(ctx, "adi", t0, t0.Add(3*time.Hour))
	if err != nil || b.ID != a.ID {
		t.Fatalf("second block %+v %v, first %s", b, err, a.ID)
	}
	if bs, _ := s.Blocks(ctx, "adi", now); len(bs) != 1 {
		t.Fatalf("blocks %+v", bs)
	}
	_, err = s.Hold(ctx, hold(101, time.Hour, 50*time.Minute, now), 2, now)
	wantCode(t, err, tori.ECONFLICT)
	if err := s.RemoveBlock(ctx, "adi", a.ID); err != nil {
		t.Fatal(err)
	}
	mustHold(t, s, hold(101, time.Hour, 50*time.Minute, now), now)
}

// TestUsernameChanged: a @username its client gave up finds nobody, even
// before someone else takes it; the new one finds them.
func TestUsernameChanged(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	if err := s.RememberClient(ctx, tori.Client{ID: 101, Name: "Dana", Username: "dana"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if id, err := s.ClientByUsername(ctx, "@Dana"); err != nil || id != 101 {
		t.Fatalf("@Dana: %d %v", id, err)
	}
	if err := s.RememberClient(ctx, tori.Client{ID: 101, Name: "Dana", Username: "dana_l"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := s.ClientByUsername(ctx, "dana")
	wantCode(t, err, tori.ENOTFOUND)
	if id, err := s.ClientByUsername(ctx, "dana_l"); err != nil || id != 101 {
		t.Fatalf("dana_l: %d %v", id, err)
	}
}

// TestWaitlistEntries: entries keep the order clients joined in (even in
// one millisecond), the same wish twice is one entry, a client's cap is
// kept, and a removed entry is gone everywhere.
func TestWaitlistEntries(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	day := tori.Date{Year: 2026, Month: 12, Day: 3}
	entry := func(id string, c int64, svc string) tori.WaitEntry {
		return tori.WaitEntry{ID: id, Client: tori.Client{ID: c}, ServiceID: svc, From: day, To: day, Joined: t0}
	}
	ids := []string{"wzzzzzzzzzz", "waaaaaaaaaa", "wmmmmmmmmmm"}
	for i, id := range ids {
		if _, err := s.AddWaitEntry(ctx, entry(id, int64(101+i), "talk"), 2, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.WaitEntries(ctx)
	if err != nil || len(all) != 3 || all[0].ID != ids[0] || all[1].ID != ids[1] || all[2].ID != ids[2] {
		t.Fatalf("order %+v %v", all, err)
	}
	again, err := s.AddWaitEntry(ctx, entry("wbbbbbbbbbb", 101, "talk"), 2, t0)
	if err != nil || again.ID != ids[0] {
		t.Fatalf("the same wish again: %+v %v", again, err)
	}
	if _, err := s.AddWaitEntry(ctx, entry("wccccccccc2", 101, "video"), 2, t0); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddWaitEntry(ctx, entry("wccccccccc3", 101, "intake"), 2, t0)
	wantCode(t, err, tori.ELIMIT)
	if err := s.RemoveWaitEntry(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	mine, _ := s.ClientWaitEntries(ctx, 101)
	if len(mine) != 1 || mine[0].ID != "wccccccccc2" {
		t.Fatalf("client's entries %+v", mine)
	}
	if _, err := s.WaitEntry(ctx, ids[0]); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("removed entry: %v", err)
	}
	// The removed wish can be made again.
	if _, err := s.AddWaitEntry(ctx, entry("wdddddddddd", 101, "talk"), 2, t0); err != nil {
		t.Fatal(err)
	}
}

// TestFreeingEndsOnce: a freed time's steps are compare-and-set: a stale
// step changes nothing; a client has one offer out at a time; it ends
// once, whoever ends it.
func TestFreeingEndsOnce(t *testing.T) {
	ctx := context.Background()
	s := storagetest.MustStore(t)
	f := tori.Freeing{ID: "fabcdefghij", TherapistID: "adi", Start: t0, End: t0.Add(time.Hour)}
	for range 2 { // recorded once
		if err := s.AddFreeing(ctx, f, t0); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Freeing(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale := f
	f, err = s.BeginOffer(ctx, f, "waaaaaaaaaa", 201, "adi.aaaaaaaaaa", time.Minute, t0)
	if err != nil || f.Pending != "waaaaaaaaaa" {
		t.Fatalf("begin: %+v %v", f, err)
	}
	// A step that read the freeing before is refused, and changes nothing.
	_, err = s.BeginOffer(ctx, stale, "wbbbbbbbbbb", 202, "adi.bbbbbbbbbb", time.Minute, t0)
	wantCode(t, err, tori.ECONFLICT)
	_, err = s.EndFreeing(ctx, f.ID, stale.Ver, tori.FreeingNone, "")
	wantCode(t, err, tori.ECONFLICT)
	// The client's lock: another freeing cannot offer them a second time.
	other := tori.Freeing{ID: "fother00000", TherapistID: "adi", Start: t0, End: t0.Add(time.Hour)}
	if err := s.AddFreeing(ctx, other, t0); err != nil {
		t.Fatal(err)
	}
	other, _ = s.Freeing(ctx, other.ID)
	_, err = s.BeginOffer(ctx, other, "wcccccccccc", 201, "adi.cccccccccc", time.Minute, t0)
	wantCode(t, err, tori.ELIMIT)
	if f, err = s.OfferMade(ctx, f, 201, "adi.aaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Freeing(ctx, f.ID)
	if err != nil || got.Current != "adi.aaaaaaaaaa" || got.Pending != "" || len(got.Offered) != 1 || !got.Start.Equal(t0) || got.Ver != f.Ver {
		t.Fatalf("%+v %v", got, err)
	}
	if err := s.ReleaseOfferLock(ctx, 201, "adi.aaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if _, err = s.BeginOffer(ctx, other, "wcccccccccc", 201, "adi.cccccccccc", time.Minute, t0); err != nil {
		t.Fatalf("after the lock was given back: %v", err)
	}
	first, err1 := s.EndFreeing(ctx, f.ID, -1, tori.FreeingFilled, "adi.aaaaaaaaaa")
	second, err2 := s.EndFreeing(ctx, f.ID, -1, tori.FreeingUnfilled, "")
	if err1 != nil || err2 != nil || !first || second {
		t.Fatalf("ends: %v %v %v %v", first, second, err1, err2)
	}
	if got, _ := s.Freeing(ctx, f.ID); got.State != tori.FreeingFilled || got.FilledBy != "adi.aaaaaaaaaa" {
		t.Fatalf("%+v", got)
	}
	if ok, _ := s.EndFreeing(ctx, "fnothere000", -1, tori.FreeingNone, ""); ok {
		t.Fatal("ended a freeing that does not exist")
	}
}

// TestBusyAll: several therapists' busy times in one pipeline, in their
// order, also right after the server forgot its scripts (SCRIPT FLUSH, as
// after a restart), on one server and on a cluster.
func TestBusyAll(t *testing.T) {
	s := storagetest.MustStore(t)
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	a := hold(1, 0, 50*time.Minute, now)
	b := hold(2, time.Hour, 50*time.Minute, now)
	b.ID, b.TherapistID = tori.NewAppointmentID("noa"), "noa"
	for _, h := range []tori.Appointment{a, b} {
		if _, err := s.Hold(ctx, h, 2, now); err != nil {
			t.Fatal(err)
		}
	}
	for _, flush := range []bool{false, true} {
		if flush {
			if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.BusyAll(ctx, []string{"noa", "adi", "nobody"}, t0.Add(-time.Hour), t0.Add(3*time.Hour), now)
		if err != nil {
			t.Fatalf("flushed=%v: %v", flush, err)
		}
		if len(all) != 3 || len(all[0]) != 1 || all[0][0].ID != b.ID || len(all[1]) != 1 || all[1][0].ID != a.ID ||
			!all[1][0].End.Equal(a.BlockEnd()) || len(all[2]) != 0 {
			t.Fatalf("flushed=%v: %+v", flush, all)
		}
	}
}

// TestPaymentStepsReadInOneRoundTrip: the payment steps (attaching the
// order, beginning the capture, a pay state, recording the capture) answer
// with the appointment as their script left it (read in the same
// pipeline), also right after the server forgot its scripts (SCRIPT FLUSH,
// as after a restart).
func TestPaymentStepsReadInOneRoundTrip(t *testing.T) {
	s := storagetest.MustStore(t)
	ctx := context.Background()
	now := t0.Add(-48 * time.Hour)
	a := hold(1, 0, 50*time.Minute, now)
	a.Payment, a.Due = tori.PayFull, a.Price
	if _, err := s.Hold(ctx, a, 2, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.AttachOrder(ctx, a.ID, a.HoldToken, tori.Order{ID: "ORDER-RT", ApproveURL: "https://paypal.test/approve"}, 7, now)
	if err != nil || got.OrderID != "ORDER-RT" || got.PayState != tori.PayStateOrdered {
		t.Fatalf("attach order = %+v, %v", got, err)
	}
	if _, err := s.AttachOrder(ctx, a.ID, "not-the-token", tori.Order{ID: "ORDER-RT2"}, 7, now); tori.ErrorCode(err) != tori.EEXPIRED {
		t.Fatalf("attach order with another hold's token: %v", err)
	}
	if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, err = s.BeginCapture(ctx, a.ID, a.HoldToken, now.Add(time.Minute), now)
	if err != nil || got.ID != a.ID || got.PayState != tori.PayStateCapturing || got.OrderID != "ORDER-RT" {
		t.Fatalf("begin capture = %+v, %v", got, err)
	}
	if err := s.Redis.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, fresh, err := s.SetPayState(ctx, a.ID, tori.PayStatePending, now)
	if err != nil || !fresh || got.PayState != tori.PayStatePending {
		t.Fatalf("pay state = %+v, %v, %v", got, fresh, err)
	}
	c := tori.Capture{ID: "CAPTURE-RT", Status: "COMPLETED", Amount: a.Price}
	got, fresh, err = s.ConfirmPaid(ctx, a, c, tori.Appointment{}, now)
	if err != nil || !fresh || got.Status != tori.StatusConfirmed || got.CaptureID != c.ID || got.Paid != a.Price {
		t.Fatalf("confirm paid = %+v, %v, %v", got, fresh, err)
	}
	if _, _, err := s.SetPayState(ctx, tori.NewAppointmentID("adi"), tori.PayStateDeclined, now); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("pay state of nothing: %v", err)
	}
}

// TestClaimUpdate: the claim comes with the sender's language and, when
// asked, the chat's state; a second claim of the same update is refused.
func TestClaimUpdate(t *testing.T) {
	st := storagetest.MustStore(t)
	ctx := context.Background()
	if err := st.SetLanguage(ctx, 7, "he", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChatState(ctx, 7, []byte(`{"hold":"adi.x"}`), time.Hour); err != nil {
		t.Fatal(err)
	}
	ok, lang, state, err := st.ClaimUpdate(ctx, "1", time.Hour, 7, true, 7)
	if err != nil || !ok || lang != "he" || string(state) != `{"hold":"adi.x"}` {
		t.Fatalf("first claim: %v %q %q %v", ok, lang, state, err)
	}
	if ok, _, state, err := st.ClaimUpdate(ctx, "1", time.Hour, 7, true, 0); err != nil || ok || state != nil {
		t.Fatalf("second claim, no state asked: %v %q %v", ok, state, err)
	}
	if ok, lang, state, err := st.ClaimUpdate(ctx, "2", time.Hour, 8, true, 8); err != nil || !ok || lang != "" || state != nil {
		t.Fatalf("a user with no language and a chat with no state: %v %q %q %v", ok, lang, state, err)
	}
	if done, err := st.Handled(ctx, "tg", "1"); err != nil || !done {
		t.Fatalf("claimed as done: %v %v", done, err)
	}
	// A state that cannot be read (here: a key of the wrong type) is an
	// error, not "no state", though the language before it is absent.
	if err := st.Redis.HSet(ctx, st.Prefix+"chat:9", "x", "y").Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, state, err := st.ClaimUpdate(ctx, "3", time.Hour, 9, true, 9); err == nil {
		t.Fatalf("an unreadable state passed for %q", state)
	}
}
