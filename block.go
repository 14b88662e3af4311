package tori

import "time"

// Block is time off: a range of a therapist's time that cannot be booked.
type Block struct {
	ID          string
	TherapistID string
	Start, End  time.Time
}

// What the practice decided about a client's prepayment.
const (
	PrepayExempt   = "exempt"   // pays at the session even for prepaid services
	PrepayRequired = "required" // prepays in full even for pay-at-session services
)
