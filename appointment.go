package tori

import (
	"crypto/rand"
	"slices"
	"strings"
	"time"
)

// Status is where an appointment is in its lifecycle (see docs/LIFECYCLE.md).
type Status string

// Appointment statuses.
const (
	StatusHeld                Status = "held"
	StatusConfirmed           Status = "confirmed"
	StatusCancelledByClient   Status = "cancelled_client"
	StatusCancelledByPractice Status = "cancelled_therapist"
	StatusNoShow              Status = "no_show"
	StatusCompleted           Status = "completed"
	StatusExpired             Status = "expired"
)

// PayState is how far a booking's payment got.
type PayState string

// Payment states.
const (
	PayStateNone      PayState = ""          // nothing to pay, or not started
	PayStateOrdered   PayState = "ordered"   // an order exists; the buyer has not paid
	PayStateCapturing PayState = "capturing" // capture started (intent recorded before calling PayPal)
	PayStateDeclined  PayState = "declined"  // PayPal declined the capture; the buyer may try again
	PayStatePending   PayState = "pending"   // PayPal accepted the capture but has not completed it
	PayStatePaid      PayState = "paid"      // captured and completed
	PayStateLost      PayState = "lost"      // the hold ran out and the time was taken before capture: nothing taken
	PayStateMismatch  PayState = "mismatch"  // PayPal captured another amount or currency than was due: never a booking; refunded in full
	// PayPal accepted a capture of another amount or currency than was due
	// and has not completed it: never a booking, the time let go; refunded
	// in full once it completes (then PayStateMismatch).
	PayStateMismatchPending PayState = "mismatch_pending"
)

// Mismatched reports a capture of another amount or currency than was
// due, completed or still pending at PayPal: never a booking.
func (s PayState) Mismatched() bool { return s == PayStateMismatch || s == PayStateMismatchPending }

// RefundState is how far a refund got.
type RefundState string

// Refund states.
const (
	RefundNone     RefundState = ""
	RefundPending  RefundState = "pending"  // decided; PayPal has not accepted it yet
	RefundRefunded RefundState = "refunded" // PayPal accepted it
)

// Client is the Telegram user who books.
type Client struct {
	ID       int64 // Telegram user id
	ChatID   int64 // private chat with the bot
	Name     string
	Username string // without @
	Lang     string
}

// Appointment is one booked (or held) session. Times are instants; they are
// shown in the practice's time zone.
type Appointment struct {
	ID          string // "<therapist>.<random>", see NewAppointmentID
	TherapistID string
	ServiceID   string
	Client      Client
	Start, End  time.Time     // the session itself
	Buffer      time.Duration // kept free after End
	Status      Status
	HoldToken   string    // fencing token of the hold; kept once confirmed, so a retried confirm is idempotent
	HoldUntil   time.Time // when a hold ends by itself
	Price       Money
	Payment     PaymentMode
	Remote      bool
	Moves       string    // for a reschedule hold: the appointment it will move
	Seq         int       // raised on each reschedule (calendar SEQUENCE)
	RemindFrom  time.Time // when it was booked or last moved: reminders due before this are never sent
	Attending   bool      // the client answered a reminder with "I'll be there"
	Note        string    // the practice's private note
	NoteLocked  bool      // a note is kept but cannot be read here (stored under a key this server lacks, or altered): Note is empty
	Offer       string    // for a waitlist offer: "<freeing>/<entry>"
	Series      string    // the series it is an occurrence of (see Series), or ""
	SeriesN     int       // its week in that series (0 for the first)
	// ByPractice: the practice booked it for the client (/book, "Book the
	// next one", a series the practice made); the client is told so.
	ByPractice bool
	// PayBy: a booking awaiting its payment (a prepaid service the practice
	// booked, a prepaid series' occurrence). It is held until then
	// (HoldUntil), paid like any hold, and released and told to both sides
	// if unpaid. Zero for an ordinary hold of a few minutes.
	PayBy time.Time
	// PrepaidRest: a session of a series paid at the session that became
	// one awaiting its payment when the client became a repeat offender
	// (PrepayRest); the client is told once, with its first pay reminder.
	PrepaidRest bool

	// Payment, for prepaid and deposit bookings.
	Due        Money    // what is paid when booking (the price, or the deposit)
	Prepay     string   // why a pay-at-session service is prepaid: "repeat" (repeat offender), else ""
	OrderID    string   // the PayPal order
	ApproveURL string   // where the buyer approves it
	PayState   PayState // how far the payment got
	Declines   int      // captures PayPal declined (a capture after one uses a new request id)
	Paid       Money    // captured, in the capture's own currency
	CaptureID  string   // the PayPal capture
	Successor  string   // for a mismatched capture: the hold that took this one's time, to pay again under a new order
	Message    int      // the Telegram message showing the hold (then its payment), edited as it changes

	// Refund, once cancelled.
	RefundDue   Money       // what the policy gives back
	RefundState RefundState // pending until PayPal accepts it
	Refunded    Money
	RefundID    string
	RefundTries int // failed attempts
	// RefundTriedAt is when the last failed attempt was made (the next
	// waits for RefundBackoff).
	RefundTriedAt time.Time
	// RefundByHand: less than due came back at PayPal another way (a
	// refund made by hand); the rest is the practice's to refund, and
	// tori asks PayPal no more. Refunded is what came back so far.
	RefundByHand bool
	Refusals     int  // attempts PayPal refused outright (a retry after one uses a new request id)
	Forgiven     bool // a late cancellation refunded in full under the forgive-the-first rule
	CreatedAt    time.Time
	// Erased is when the appointment's personal details were removed (the
	// client's erasure, or retention): the client is gone, the rest stays.
	Erased    time.Time
	UpdatedAt time.Time
}

func sortByStart(as []Appointment) {
	slices.SortStableFunc(as, func(a, b Appointment) int { return a.Start.Compare(b.Start) })
}

// Booked reports whether a was ever a booking (confirmed), not only a hold
// let go or run out.
func (a Appointment) Booked() bool { return !a.RemindFrom.IsZero() }

// BlockEnd is when the therapist is free again: the session's end plus its buffer.
func (a Appointment) BlockEnd() time.Time { return a.End.Add(a.Buffer) }

// Live reports whether the appointment occupies the therapist's time at now:
// a hold that has not run out, or a booked, attended or missed session.
func (a Appointment) Live(now time.Time) bool {
	switch a.Status {
	case StatusHeld:
		return now.Before(a.HoldUntil)
	case StatusConfirmed, StatusCompleted, StatusNoShow:
		return true
	}
	return false
}

// Upcoming reports whether it is a confirmed session that has not started.
func (a Appointment) Upcoming(now time.Time) bool {
	return a.Status == StatusConfirmed && now.Before(a.Start)
}

// Overlaps reports whether [start, end) overlaps this appointment's blocked time.
func (a Appointment) Overlaps(start, end time.Time) bool {
	return start.Before(a.BlockEnd()) && a.Start.Before(end)
}

func (a *Appointment) move(to Status, now time.Time) {
	a.Status = to
	a.UpdatedAt = now
}

func illegal(a *Appointment, verb string) error {
	return Errorf(ECONFLICT, "appointment %s is %s and cannot be %s", a.ID, a.Status, verb)
}

// Confirm turns a hold that has not run out into a booking.
func (a *Appointment) Confirm(now time.Time) error {
	if a.Status != StatusHeld {
		return illegal(a, "confirmed")
	}
	if !now.Before(a.HoldUntil) {
		return Errorf(EEXPIRED, "the hold on this time ended at %s", a.HoldUntil.Format(time.RFC3339))
	}
	a.move(StatusConfirmed, now)
	return nil
}

// Expire ends a hold whose time has run out.
func (a *Appointment) Expire(now time.Time) error {
	if a.Status != StatusHeld {
		return illegal(a, "expired")
	}
	if now.Before(a.HoldUntil) {
		return Errorf(ECONFLICT, "the hold on appointment %s runs until %s", a.ID, a.HoldUntil.Format(time.RFC3339))
	}
	a.move(StatusExpired, now)
	return nil
}

// CancelByClient ends a hold the client let go of, or a booking the client
// cancels before it starts.
func (a *Appointment) CancelByClient(now time.Time) error {
	switch {
	case a.Status == StatusHeld:
	case a.Status == StatusConfirmed && now.Before(a.Start):
	default:
		return illegal(a, "cancelled")
	}
	a.move(StatusCancelledByClient, now)
	return nil
}

// CancelByPractice cancels a booking on the practice's side (always with a full refund).
func (a *Appointment) CancelByPractice(now time.Time) error {
	if a.Status != StatusConfirmed && a.Status != StatusHeld || a.Status == StatusConfirmed && !now.Before(a.Start) {
		return illegal(a, "cancelled")
	}
	a.move(StatusCancelledByPractice, now)
	return nil
}

// MarkNoShow records that the client did not come; only once the session has started.
func (a *Appointment) MarkNoShow(now time.Time) error {
	if a.Status != StatusConfirmed || now.Before(a.Start) {
		return illegal(a, "marked as a no-show")
	}
	a.move(StatusNoShow, now)
	return nil
}

// Complete records that the session took place; only once it has started.
func (a *Appointment) Complete(now time.Time) error {
	if a.Status != StatusConfirmed || now.Before(a.Start) {
		return illegal(a, "marked as completed")
	}
	a.move(StatusCompleted, now)
	return nil
}

// Reschedule moves a confirmed booking to a new start, keeping its length.
func (a *Appointment) Reschedule(start time.Time, now time.Time) error {
	if a.Status != StatusConfirmed || !now.Before(a.Start) {
		return illegal(a, "rescheduled")
	}
	d := a.End.Sub(a.Start)
	a.Start, a.End = start, start.Add(d)
	a.Seq++
	a.UpdatedAt = now
	return nil
}

const idAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// RandomToken returns n characters of unambiguous lower-case base32.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// NewAppointmentID returns a new id that names its therapist, so that storage
// can find the appointment from the id alone: "adi.k3m9x2q7pz".
func NewAppointmentID(therapistID string) string {
	return therapistID + "." + RandomToken(10)
}

// TherapistOfID returns the therapist part of an appointment id.
func TherapistOfID(id string) (string, bool) {
	t, r, ok := strings.Cut(id, ".")
	if !ok || !idPattern.MatchString(t) || len(r) != 10 {
		return "", false
	}
	for _, c := range r {
		if !strings.ContainsRune(idAlphabet, c) {
			return "", false
		}
	}
	return t, true
}
