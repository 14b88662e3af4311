package metrics

import "github.com/prometheus/client_golang/prometheus"

// Per source of a therapist's own calendars (therapist id, source digest:
// never the address): how its reads went, how many busy times it holds, and
// when it was last read well.
var (
	BusyReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tori_busy_reads_total",
		Help: "Reads of the therapists' own calendars, by therapist, source and outcome (changed, unchanged, failed).",
	}, []string{"therapist", "source", "outcome"})
	BusyIntervals = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tori_busy_intervals",
		Help: "Busy times kept from each of the therapists' own calendars at its last change.",
	}, []string{"therapist", "source"})
	BusyLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tori_busy_last_success_timestamp_seconds",
		Help: "When each of the therapists' own calendars was last read well (changed or not), Unix seconds.",
	}, []string{"therapist", "source"})
)

func init() { Registry.MustRegister(BusyReads, BusyIntervals, BusyLastSuccess) }
