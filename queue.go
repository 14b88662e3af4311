package tori

import "time"

// Queue names a queue of due work (see storage/queue.go).
type Queue string

// The queues. Reminders and hold expiries are per therapist (their items
// are written in the same atomic step as the appointment they serve);
// refunds and open payments are one each.
const (
	QueueReminders    Queue = "remind"
	QueueHoldExpiry   Queue = "holdexp"
	QueueRefunds      Queue = "refunds"
	QueueOpenPayments Queue = "payments"
)

// Claim is a claimed item of due work: the lease's end is the proof of the
// claim.
type Claim struct {
	Member string
	Due    time.Time // when it was due
	Token  int64     // the lease's end, unix ms
}

// Queued is an item of due work written beside another step, in its
// round trip: a notice to a therapist, queued for the worker in case the
// process that hands it to Telegram dies first (see PaymentStore.Told).
type Queued struct {
	Queue     Queue
	Therapist string // for the per-therapist queues
	Member    string
	Due       time.Time
}
