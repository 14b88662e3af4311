package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tori-bot/tori/metrics"
)

// TestSeriesGapWeeks: the use cases' "series_gap" events land in their own
// counter, by outcome, and not among the other events.
func TestSeriesGapWeeks(t *testing.T) {
	missed, filled := metrics.SeriesGapWeeks.WithLabelValues("missed"), metrics.SeriesGapWeeks.WithLabelValues("filled")
	m0, f0 := testutil.ToFloat64(missed), testutil.ToFloat64(filled)
	var sink metrics.Sink
	sink.Count("series_gap", "missed")
	sink.Count("series_gap", "missed")
	sink.Count("series_gap", "filled")
	if m, f := testutil.ToFloat64(missed)-m0, testutil.ToFloat64(filled)-f0; m != 2 || f != 1 {
		t.Fatalf("missed +%v, filled +%v; want +2, +1", m, f)
	}
	if n := testutil.ToFloat64(metrics.Events.WithLabelValues("series_gap", "missed")); n != 0 {
		t.Fatalf("counted among the events too: %v", n)
	}
}
