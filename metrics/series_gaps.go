package metrics

import "github.com/prometheus/client_golang/prometheus"

// SeriesGapWeeks counts the weeks open-ended series could not book as they
// extended (missed), and of those the ones later booked from the message
// that told of them (filled). The use cases count them as the event
// "series_gap" (tori.Events), which Sink routes here.
var SeriesGapWeeks = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tori_series_gap_weeks_total",
	Help: "Weeks an open-ended series could not book as it extended (missed), and those booked afterwards from the message (filled).",
}, []string{"outcome"})

// seriesGapEvent is the tori.Events event SeriesGapWeeks counts.
const seriesGapEvent = "series_gap"

func init() {
	Registry.MustRegister(SeriesGapWeeks)
}
