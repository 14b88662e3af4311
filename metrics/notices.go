package metrics

import "github.com/prometheus/client_golang/prometheus"

// NoticesLate counts the notices the outbox still held near the time the
// worker would send them (queued in case the process died), by who sent
// them: "outbox" (taken back from the worker's queue first) or "worker"
// (claimed by the worker first; the outbox dropped its copy).
var NoticesLate = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tori_notices_late_total",
	Help: "Notices the outbox held until near their due time in the worker's queue, by who sent them (outbox, worker).",
}, []string{"by"})

func init() {
	Registry.MustRegister(NoticesLate)
}
