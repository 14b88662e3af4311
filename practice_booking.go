package tori

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// PracticeBookingPolicy is how the practice books for its clients (/book).
type PracticeBookingPolicy struct {
	// PayWithin is how long a client has to pay for a session of a
	// prepaid service the practice booked for them (default 24h). The
	// deadline is never later than the policy's first refund boundary.
	PayWithin time.Duration
}

// DefaultPracticeBookingPolicy is used for every field the practice leaves out.
func DefaultPracticeBookingPolicy() PracticeBookingPolicy {
	return PracticeBookingPolicy{PayWithin: 24 * time.Hour}
}

func (pb *PracticeBookingPolicy) fillDefaults() {
	pb.PayWithin = cmp.Or(pb.PayWithin, DefaultPracticeBookingPolicy().PayWithin)
}

// Validate checks the practice's booking settings.
func (pb PracticeBookingPolicy) Validate() error {
	if pb.PayWithin < time.Hour || pb.PayWithin > 14*24*time.Hour {
		return Errorf(EINVALID, "practice_bookings.pay_within is %s: use a duration from 1h to 14d, such as 24h", days(pb.PayWithin))
	}
	return nil
}

// PracticePay is how a session of a prepaid service the practice books
// is paid.
type PracticePay string

// The ways the practice may have a prepaid session paid.
const (
	// PayByButton: the client gets a pay button; the time is held for
	// them until the deadline (PayDeadline), then released if unpaid.
	PayByButton PracticePay = "button"
	// PayAtTheSession: booked at once, nothing due now.
	PayAtTheSession PracticePay = "session"
)

// PracticeBooking is a single session the practice books for a client.
type PracticeBooking struct {
	TherapistID string
	ServiceID   string
	Client      Client
	Start       time.Time
	// Anyway: the practice confirmed a time its warning named (outside
	// working hours, a day off, sooner than the minimum notice, beyond the
	// booking horizon: see PracticeWarning).
	Anyway bool
	// Pay is how a session paid online is paid; "" for a service paid
	// at the session.
	Pay PracticePay
}

// PracticeWarning is what the client-facing rules make of a session of
// service serviceID with therapistID at start that the practice books:
// "" when a client could book it too; else the rule it breaks, which the
// practice may book over after a "book anyway?" (ReasonDayOff,
// ReasonOutsideHours, ReasonNotice, ReasonHorizon). A time already
// started is EINVALID; an unknown service or therapist ENOTFOUND.
func (b *Bookings) PracticeWarning(serviceID, therapistID string, start time.Time) (Reason, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return "", err
	}
	t, ok := b.Practice.Offers(s, therapistID)
	if !ok {
		return "", Errorf(ENOTFOUND, "That therapist does not offer this service. Choose one from the list.")
	}
	return b.practiceWarning(t, s, start, b.now())
}

func (b *Bookings) practiceWarning(t Therapist, s Service, start, now time.Time) (Reason, error) {
	p := b.Practice
	d := DateOf(start.In(p.Location))
	switch {
	case !start.After(now):
		return "", Errorf(EINVALID, "That time has already passed. Choose a later one.")
	case t.OffOn(d):
		return ReasonDayOff, nil
	case !withinHours(t, s, start, p.Location, 0):
		return ReasonOutsideHours, nil
	case start.Before(now.Add(p.Policy.MinNotice)):
		return ReasonNotice, nil
	case d.After(p.LastBookableDay(now)):
		return ReasonHorizon, nil
	}
	return "", nil
}

// PayDeadline is until when a client may pay for a session at start that
// the practice booked at now: PayWithin from now, and never later than the
// policy's first refund boundary (the longest notice of its tiers) before
// the session, nor than its start. ok is false when that leaves less than
// a hold's time (Policy.HoldFor): the session can then only be paid at
// the session.
func (b *Bookings) PayDeadline(start, now time.Time) (time.Time, bool) {
	p := b.Practice
	by := now.Add(cmp.Or(p.PracticeBookings.PayWithin, DefaultPracticeBookingPolicy().PayWithin))
	boundary := start
	if len(p.Policy.Tiers) > 0 {
		boundary = start.Add(-p.Policy.Tiers[0].MinNotice)
	}
	if boundary.Before(by) {
		by = boundary
	}
	by = by.UTC().Truncate(time.Minute)
	return by, by.Sub(now) >= p.Policy.HoldFor
}

// practiceHolds is the cap on a client's live holds a practice booking is
// taken under: the practice is not limited by the cap clients are.
const practiceHolds = 1 << 20

// BookForClient books a session for a client as the practice: the same
// atomic slot-taking step as a client's hold (never over another booking,
// a hold or time off: ECONFLICT), then, for a session paid at the session
// (or marked so), confirmed at once; for one to be paid with a pay button,
// left held until the payment deadline (PayBy = HoldUntil, in the hold
// expiry queue like every hold), paid through the hold payment path. A
// time its warning names needs req.Anyway (EINVALID otherwise). A second
// call for the same client, therapist and time (a second press) returns
// the booking the first one made, with fresh false: only the call that
// made it (or finished one cut off before its confirmation) tells anyone.
func (b *Bookings) BookForClient(ctx context.Context, req PracticeBooking) (a Appointment, fresh bool, err error) {
	s, err := b.service(req.ServiceID)
	if err != nil {
		return Appointment{}, false, err
	}
	t, ok := b.Practice.Offers(s, req.TherapistID)
	if !ok {
		return Appointment{}, false, Errorf(ENOTFOUND, "That therapist does not offer this service. Choose one from the list.")
	}
	now := b.now()
	warn, err := b.practiceWarning(t, s, req.Start, now)
	if err != nil {
		return Appointment{}, false, err
	}
	if warn != "" && !req.Anyway {
		return Appointment{}, false, Errorf(EINVALID, "The session is at a time clients cannot book (%s). Confirm to book it anyway.", warn.words())
	}

	if a, err = b.practiceAppointment(ctx, req, s, now); err != nil {
		return Appointment{}, false, err
	}
	if _, err := b.Store.Hold(ctx, a, practiceHolds, now); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return b.bookedBefore(ctx, req, err)
		}
		return Appointment{}, false, err
	}
	b.Count("hold", "taken")
	if !a.PayBy.IsZero() {
		return a, true, nil
	}
	b.fault("practice.after_hold")
	a, err = b.confirmPractice(ctx, a, now)
	return a, err == nil, err
}

// confirmPractice books the practice's hold a (a compare-and-set on its
// token): the second step of BookForClient, or its retry after a crash
// between the two.
func (b *Bookings) confirmPractice(ctx context.Context, a Appointment, now time.Time) (Appointment, error) {
	got, err := b.Store.Confirm(ctx, a.ID, a.HoldToken, now)
	if err != nil {
		return Appointment{}, err
	}
	b.Count("booking", "confirmed")
	return got, nil
}

// practiceAppointment is the hold req takes: what it is paid with (a
// prepaid service by button until the deadline, or at the session), held
// for a moment before it is confirmed, or until the deadline.
func (b *Bookings) practiceAppointment(ctx context.Context, req PracticeBooking, s Service, now time.Time) (Appointment, error) {
	payment, due, prepay, err := b.paymentFor(ctx, req.Client, s)
	if err != nil {
		return Appointment{}, err
	}
	a := Appointment{
		ID: NewAppointmentID(req.TherapistID), TherapistID: req.TherapistID, ServiceID: s.ID, Client: req.Client,
		Start: req.Start.UTC(), End: req.Start.Add(s.Duration).UTC(), Buffer: s.BufferAfter,
		Status: StatusHeld, HoldToken: RandomToken(12), HoldUntil: now.Add(captureGrace).UTC(),
		Price: s.Price, Payment: payment, Due: due, Prepay: prepay, Remote: s.Remote,
		ByPractice: true, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}

	// A service paid online: by a pay button until the deadline, or at the session.
	if payment == PayNone {
		return a, nil
	}
	switch req.Pay {
	case PayAtTheSession:
		a.Payment, a.Due, a.Prepay = PayNone, Money{Currency: s.Price.Currency}, ""
	case PayByButton:
		if req.Client.Offline() {
			return Appointment{}, Errorf(EINVALID, "A client without Telegram cannot be sent a pay button. Mark it to be paid at the session.")
		}
		by, ok := b.PayDeadline(a.Start, now)
		if !ok {
			return Appointment{}, Errorf(ETOOLATE, "It is too late to ask for payment before this session. Mark it to be paid at the session.")
		}
		a.PayBy, a.HoldUntil = by, by
	default:
		return Appointment{}, Errorf(EINVALID, "This service is paid online. Choose: send a pay button, or to pay at the session.")
	}
	return a, nil
}

// bookedBefore is the booking an earlier call for req made (a second
// press), if the time req wanted is taken by it: booked now if that call
// was cut off before its confirmation; else taken, the conflict.
func (b *Bookings) bookedBefore(ctx context.Context, req PracticeBooking, taken error) (Appointment, bool, error) {
	all, err := b.Store.ClientAppointments(ctx, req.Client.ID, req.Start)
	if err != nil {
		return Appointment{}, false, err
	}
	now := b.now()
	for _, a := range all {
		if !a.ByPractice || a.TherapistID != req.TherapistID || a.ServiceID != req.ServiceID || !a.Start.Equal(req.Start) || !now.Before(a.Start) {
			continue
		}
		switch {
		case a.Status == StatusHeld && a.PayBy.IsZero(): // cut off between its hold and its confirmation
			a, err := b.confirmPractice(ctx, a, now)
			return a, err == nil, err
		case a.Status == StatusConfirmed || a.Status == StatusHeld:
			return a, false, nil
		}
	}
	b.Count("hold", "conflict")
	return Appointment{}, false, taken
}

// PracticeSlot is a free time the practice may book: Warn is the
// client-facing rule it breaks ("" when a client could book it too).
type PracticeSlot struct {
	Start time.Time
	Warn  Reason
}

// The practice's day runs from PracticeDayStart to PracticeDayEnd (and
// over any working hours beyond them): the times its calendar offers
// outside working hours.
const (
	PracticeDayStart Minute = 7 * 60
	PracticeDayEnd   Minute = 22 * 60
)

// PracticeSlots is every free time for service serviceID with
// therapistID on the days from..to that the practice may book: the
// times clients are offered, and the practice's day beyond them (outside
// working hours, days off, within the minimum notice, beyond the horizon:
// each marked with its warning), in time order. Never a time already
// past, nor one over a booking, a hold or time off.
func (b *Bookings) PracticeSlots(ctx context.Context, serviceID, therapistID string, from, to Date) ([]PracticeSlot, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return nil, err
	}
	t, ok := b.Practice.Offers(s, therapistID)
	if !ok {
		return nil, Errorf(ENOTFOUND, "That therapist does not offer this service. Choose one from the list.")
	}
	now := b.now()
	lo, hi := b.busySpan(from, to)
	busy, err := b.Store.Busy(ctx, t.ID, lo, hi, now)
	if err != nil {
		return nil, err
	}

	// The client's grid (within working hours) and the practice's whole
	// day, with no notice, horizon or days off.
	open := *b.Practice
	open.Policy.MinNotice = 0
	open.Policy.MaxDaysAhead = max(open.Today(now).DaysUntil(to), 0)
	own := t
	own.DaysOff = nil
	day := own
	for wd := range day.Hours {
		day.Hours[wd] = []Span{{Start: PracticeDayStart, End: PracticeDayEnd}}
	}
	starts := appendFreeSlots(nil, &open, own, s, from, to, busy, now)
	starts = appendFreeSlots(starts, &open, day, s, from, to, busy, now)
	slices.SortFunc(starts, time.Time.Compare)
	starts = slices.CompactFunc(starts, time.Time.Equal)

	out := make([]PracticeSlot, 0, len(starts))
	for _, st := range starts {
		if !st.After(now) {
			continue
		}
		w, _ := b.practiceWarning(t, s, st, now)
		out = append(out, PracticeSlot{Start: st, Warn: w})
	}
	return out, nil
}

// PaidOnline reports whether client c pays for a session of service
// serviceID online when booking (the service's terms, the practice's
// decision, the repeat-offender rule): the practice then chooses a pay
// button or payment at the session.
func (b *Bookings) PaidOnline(ctx context.Context, c Client, serviceID string) (bool, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return false, err
	}
	payment, _, _, err := b.paymentFor(ctx, c, s)
	return payment != PayNone, err
}
