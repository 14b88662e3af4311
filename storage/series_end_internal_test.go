package storage

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestAskSeriesEndOnce: of askers racing for one series' "continue?",
// exactly one wins; that asker retried wins again (its reply was lost),
// any other loses; a series that does not exist is ENOTFOUND and left
// uncreated.
func TestAskSeriesEndOnce(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	sr, occs := weeklySeries(7, now.Add(48*time.Hour), 4, time.Time{}, now)
	if err := s.TakeSeries(ctx, sr, occs, 2, now); err != nil {
		t.Fatal(err)
	}

	var won atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			asker := "w" + string(rune('a'+i))
			ok, err := s.AskSeriesEnd(ctx, sr.ID, asker, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
				winner.Store(asker)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d askers won, want 1", won.Load())
	}
	if ok, err := s.AskSeriesEnd(ctx, sr.ID, winner.Load().(string), now); !ok || err != nil {
		t.Fatalf("the winner retried: %v %v", ok, err)
	}
	if ok, err := s.AskSeriesEnd(ctx, sr.ID, "later", now.Add(time.Hour)); ok || err != nil {
		t.Fatalf("a later asker: %v %v", ok, err)
	}

	gone := tori.NewSeriesID("adi")
	if _, err := s.AskSeriesEnd(ctx, gone, "x", now); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("no series: %v", err)
	}
	if n := s.Redis.Exists(ctx, s.seriesKey("adi", gone)).Val(); n != 0 {
		t.Fatal("asking created a series")
	}
}

// TestGiveBackSeriesEnd: the asker that gave back its ask lets the next
// asker win; another asker's give-back changes nothing.
func TestGiveBackSeriesEnd(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	sr, occs := weeklySeries(7, now.Add(48*time.Hour), 4, time.Time{}, now)
	if err := s.TakeSeries(ctx, sr, occs, 2, now); err != nil {
		t.Fatal(err)
	}

	if ok, err := s.AskSeriesEnd(ctx, sr.ID, "a", now); !ok || err != nil {
		t.Fatalf("first ask: %v %v", ok, err)
	}
	if err := s.GiveBackSeriesEnd(ctx, sr.ID, "b", now); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AskSeriesEnd(ctx, sr.ID, "c", now); ok {
		t.Fatal("another asker's give-back let go of a's ask")
	}
	for range 2 { // a retried give-back is the same
		if err := s.GiveBackSeriesEnd(ctx, sr.ID, "a", now); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.AskSeriesEnd(ctx, sr.ID, "c", now); !ok || err != nil {
		t.Fatalf("asked after the give-back: %v %v", ok, err)
	}
}

// TestEndedSeriesDropped: retention taking the personal details of a
// series' last session deletes the series' record too; an earlier
// session's leaves it. EndSeries stops an open-ended series and sets the
// record's expiry.
func TestEndedSeriesDropped(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	sr, occs := weeklySeries(7, now.Add(48*time.Hour), 3, time.Time{}, now)
	if err := s.TakeSeries(ctx, sr, occs, 2, now); err != nil {
		t.Fatal(err)
	}
	key := s.seriesKey("adi", sr.ID)

	later := occs[2].End.Add(time.Hour)
	if _, err := s.Anonymise(ctx, occs[0].ID, later, later); err != nil {
		t.Fatal(err)
	}
	if s.Redis.Exists(ctx, key).Val() != 1 {
		t.Fatal("dropped with an earlier session")
	}
	for range 2 { // a retried run finds it gone
		if _, err := s.Anonymise(ctx, occs[2].ID, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if s.Redis.Exists(ctx, key).Val() != 0 {
		t.Fatal("the series outlived its last session's details")
	}

	// EndSeries: the status, and an expiry.
	open, occs2 := weeklySeries(8, now.Add(72*time.Hour), 2, time.Time{}, now)
	if err := s.TakeSeries(ctx, open, occs2, 2, now); err != nil {
		t.Fatal(err)
	}
	keep := now.AddDate(2, 0, 0)
	if err := s.EndSeries(ctx, open.ID, tori.StatusCancelledByPractice, keep, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.Series(ctx, open.ID)
	if err != nil || got.Status != tori.StatusCancelledByPractice || s.Redis.PTTL(ctx, s.seriesKey("adi", open.ID)).Val() <= 0 {
		t.Fatalf("ended: %+v %v", got, err)
	}
}
