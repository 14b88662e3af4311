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
