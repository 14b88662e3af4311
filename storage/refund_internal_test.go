package storage

import (
	"context"
	"testing"
	"time"
)

// TestRefundShortToldOnce: a refund that leaves less than due back is told
// once: the call that recorded it answers SHORT again when go-redis runs
// it a second time (its reply lost), another report of the same refund
// (PayPal's event again, under a new id) SEEN; a further refund that
// still leaves some owed is told too.
func TestRefundShortToldOnce(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	key := s.appointmentKey("adi", "adi.r1")
	if err := s.Redis.HSet(ctx, key, "id", "adi.r1", "refund_state", "pending", "refund_due", 35050, "currency", "USD").Err(); err != nil {
		t.Fatal(err)
	}
	report := func(refund string, amount int, token string) string {
		t.Helper()
		res, err := refundReportedScript.Run(ctx, s.Redis, []string{key}, refund, amount, "USD", "", "", ms(now), token).StringSlice()
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	for i, c := range []struct {
		refund string
		amount int
		token  string
		want   string
	}{
		{"R-50", 5000, "call1", "SHORT"},
		{"R-50", 5000, "call1", "SHORT"}, // the same call, retried
		{"R-50", 5000, "call2", "SEEN"},  // the same refund reported again
		{"R-100", 10000, "call3", "SHORT"},
		{"R-100", 10000, "call4", "SEEN"},
		{"R-200", 20050, "call5", "OK"},
	} {
		if got := report(c.refund, c.amount, c.token); got != c.want {
			t.Fatalf("report %d (%s by %s) = %s, want %s", i+1, c.refund, c.token, got, c.want)
		}
	}
}
