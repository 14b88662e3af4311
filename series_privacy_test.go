package tori_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
)

// TestErasureAndSeries: a series record keeps nothing of its client, so
// erasing Dana, after the practice ended her open-ended series, leaves
// none of her in it ({t:adi}:series:<id>), and it books no more weeks.
func TestErasureAndSeries(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	p := mustPrivacy(t, b)
	r := weekly(at(b, tue, "10:00"), 0)
	r.ByPractice = true
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}

	st := b.Store.(*storage.Store)
	key := st.Prefix + "{t:adi}:series:" + sr.ID
	check := func(when string) {
		t.Helper()
		m, err := st.Redis.HGetAll(ctx, key).Result()
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: series record %v %v", when, m, err)
		}
		for f, v := range m {
			if strings.Contains(f, "client") || strings.Contains(f, "chat") || strings.Contains(f, "name") ||
				v == strconv.FormatInt(dana.ID, 10) || strings.Contains(strings.ToLower(v), strings.ToLower(dana.Name)) {
				t.Fatalf("%s: the series keeps %s=%q", when, f, v)
			}
		}
	}
	check("booked")

	// Her sessions to come are cancelled first (they hold off an erasure).
	q, err := b.QuotePracticeCancelSeriesFrom(ctx, sr.Taken[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.PracticeCancelSeriesFrom(ctx, sr.Taken[0].ID, q.Stamp()); err != nil {
		t.Fatal(err)
	}
	if e := mustErase(t, p, dana); !e.Done {
		t.Fatalf("erasure %+v", e)
	}
	check("erased")
	c.t = c.t.Add(30 * 24 * time.Hour)
	if missed, next, err := b.ExtendSeries(ctx, sr.ID, c.t); err != nil || len(missed) != 0 || !next.IsZero() {
		t.Fatalf("extended after the erasure: %v %s %v", missed, next, err)
	}
	if up, _ := b.Upcoming(ctx, tori.Client{ID: dana.ID}); len(up) != 0 {
		t.Fatalf("%d sessions left for Dana", len(up))
	}
}

// cutShort is a store whose second cancellation fails, as if the process
// died midway through ending a series.
type cutShort struct {
	*storage.Store
	n int
}

func (s *cutShort) CancelWithRefund(ctx context.Context, id string, status tori.Status, refund tori.Money, forgiven bool, now time.Time) (tori.Appointment, bool, error) {
	if s.n++; s.n == 2 {
		return tori.Appointment{}, false, tori.Errorf(tori.EUNAVAILABLE, "cut short")
	}
	return s.Store.CancelWithRefund(ctx, id, status, refund, forgiven, now)
}

// TestPracticeEndsSeriesCutShort: the practice ending an open-ended series
// that is cut short after one cancellation leaves the series ended (it
// books no more weeks) and the rest booked; pressing again cancels the
// rest, and the series ends once.
func TestPracticeEndsSeriesCutShort(t *testing.T) {
	ctx := context.Background()
	b, c := mustBookings(t)
	r := weekly(at(b, tue, "10:00"), 0)
	r.ByPractice = true
	sr, err := b.TakeSeries(ctx, r, mustPlan(t, b, r).Starts(), 0)
	if err != nil {
		t.Fatal(err)
	}
	b.Store = &cutShort{Store: b.Store.(*storage.Store)}

	from := sr.Taken[2].ID
	q, err := b.QuotePracticeCancelSeriesFrom(ctx, from)
	if err != nil || len(q.Sessions) != len(sr.Taken)-2 {
		t.Fatalf("quote %d sessions, %v", len(q.Sessions), err)
	}
	done, _, err := b.PracticeCancelSeriesFrom(ctx, from, q.Stamp())
	if len(done) != 1 || tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("cut short: %d done, %v", len(done), err)
	}
	c.t = c.t.Add(30 * 24 * time.Hour)
	if _, next, err := b.ExtendSeries(ctx, sr.ID, c.t); err != nil || !next.IsZero() {
		t.Fatalf("the series still books ahead: %s %v", next, err)
	}
	c.t = c.t.Add(-30 * 24 * time.Hour)

	q, err = b.QuotePracticeCancelSeriesFrom(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	done, _, err = b.PracticeCancelSeriesFrom(ctx, from, q.Stamp())
	if err != nil || len(done) != len(sr.Taken)-3 {
		t.Fatalf("pressed again: %d done, %v", len(done), err)
	}
	if up, _ := b.Upcoming(ctx, dana); len(up) != 2 {
		t.Fatalf("%d sessions left, want the first 2", len(up))
	}
}
