package tori

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"
)

// AppointmentStore keeps appointments and takes a therapist's time atomically.
// storage.Store satisfies it.
type AppointmentStore interface {
	// Hold takes a.Start..a.BlockEnd() of a.TherapistID as a hold until
	// a.HoldUntil. It returns ECONFLICT when the time overlaps a live hold or
	// booking of the therapist (other than a.Moves), and ELIMIT when the
	// client already has maxHolds live holds with that therapist. Retrying
	// with the same a.ID and a.HoldToken returns the same hold.
	Hold(ctx context.Context, a Appointment, maxHolds int, now time.Time) (Appointment, error)
	// Renew holds the hold id again until until, under the same id and
	// token, if it is still live or its time is still free. ECONFLICT when
	// the time was taken, ELIMIT when the client holds too many, ENOTFOUND.
	Renew(ctx context.Context, id, token string, until time.Time, maxHolds int, now time.Time) (Appointment, error)
	// Confirm turns the hold id into a booking if token is its current
	// token and the hold has not run out: a compare-and-set. It returns
	// ENOTFOUND, EEXPIRED (the hold ran out) or ECONFLICT (not a hold, or
	// another token).
	Confirm(ctx context.Context, id, token string, now time.Time) (Appointment, error)
	// Move confirms the reschedule hold id: the booking it moves takes the
	// hold's time and the hold is deleted, in one step. Errors as Confirm,
	// and EGONE when the booking is no longer confirmed, ETOOLATE when it
	// starts in less than notice.
	Move(ctx context.Context, id, token string, notice time.Duration, now time.Time) (Appointment, error)
	// Release lets go of the hold id (token must match). Releasing a hold
	// that is already gone is not an error.
	Release(ctx context.Context, id, token string, now time.Time) error
	// SetAttending records that a confirmed booking's client will come.
	// ECONFLICT when it is not confirmed.
	SetAttending(ctx context.Context, id string, now time.Time) (Appointment, error)
	// Appointment returns one appointment; ENOTFOUND if there is none.
	Appointment(ctx context.Context, id string) (Appointment, error)
	// ClientAppointments returns the client's appointments that start at or
	// after from, in time order.
	ClientAppointments(ctx context.Context, clientID int64, from time.Time) ([]Appointment, error)
	// Busy returns the therapist's live holds and bookings (buffers included)
	// that overlap from..to.
	Busy(ctx context.Context, therapistID string, from, to time.Time, now time.Time) ([]Interval, error)
	// BusyAll is Busy for several therapists at once, in their order.
	BusyAll(ctx context.Context, therapistIDs []string, from, to time.Time, now time.Time) ([][]Interval, error)
	// HoldReads is what a hold reads before it takes a time, in one round
	// trip (on a cluster, one to each node involved, at the same time):
	// BusyAll of therapistIDs, and the practice's prepayment decision
	// for client c (as Prepay). With remember it also keeps c's name and
	// @username (as RememberClient).
	HoldReads(ctx context.Context, c Client, remember bool, therapistIDs []string, from, to, now time.Time) (busy [][]Interval, prepay string, err error)
}

// Slot is a free start time with a given therapist.
type Slot struct {
	Start       time.Time
	TherapistID string
}

// Bookings holds the verbs every front end shares: find free times, hold
// one, confirm it, cancel, reschedule.
type Bookings struct {
	Practice *Practice
	Store    Store
	Payments PaymentGateway // nil when no service is paid online
	Now      func() time.Time
	Log      *slog.Logger // default slog.Default()
	Events   Events       // counts what happens (metrics); nil counts nothing
	// Fault, when set, is called at each named step of paying and refunding
	// (the points of internal/fault, where the fault-injection suite kills
	// the process); cmd/tori sets it, so the domain imports none of ours.
	Fault func(point string)
}

// Events counts what the use cases do, for metrics. event is "booking"
// (outcomes confirmed, rescheduled, cancelled_client, cancelled_practice,
// no_show, completed), "hold" (taken, conflict, released, expired),
// "payment" (captured, declined, pending, time_lost, mismatch), "refund"
// (issued, pending, by_hand), "waitlist" (offered, taken, declined,
// expired, filled, unfilled) or "series" (taken, conflict, confirmed,
// released, missed, cancelled_from: a client cancelled a session and the
// later ones); Amount adds money captured, refunded, or
// captured in a mismatch (event "mismatch", in the capture's currency).
type Events interface {
	Count(event, outcome string)
	Amount(event string, m Money)
}

// Count records an event (see Events); the worker and the bot count theirs
// through it too.
func (b *Bookings) Count(event, outcome string) {
	if b.Events != nil {
		b.Events.Count(event, outcome)
	}
}

func (b *Bookings) amount(event string, m Money) {
	if b.Events != nil && m.Amount > 0 {
		b.Events.Amount(event, m)
	}
}

// fault passes the named point of paying or refunding (see Fault).
func (b *Bookings) fault(point string) {
	if b.Fault != nil {
		b.Fault(point)
	}
}

func (b *Bookings) log() *slog.Logger {
	if b.Log == nil {
		return slog.Default()
	}
	return b.Log
}

func (b *Bookings) now() time.Time {
	if b.Now == nil {
		return time.Now()
	}
	return b.Now()
}

func (b *Bookings) service(id string) (Service, error) {
	s, ok := b.Practice.Service(id)
	if !ok {
		return Service{}, Errorf(ENOTFOUND, "There is no service %q. Choose one from the list.", id)
	}
	return s, nil
}

// therapists returns who may give service s: the one named, or all who offer
// it when therapistID is "".
func (b *Bookings) therapists(s Service, therapistID string) ([]Therapist, error) {
	if therapistID == "" {
		return b.Practice.TherapistsFor(s), nil
	}
	if t, ok := b.Practice.Offers(s, therapistID); ok {
		return []Therapist{t}, nil
	}
	return nil, Errorf(ENOTFOUND, "That therapist does not offer this service. Choose one from the list.")
}

// FreeSlots returns the free start times for the service on the days
// from..to, with the therapist named or with anyone offering it (therapistID
// ""); when several therapists are free at one time the first configured wins.
func (b *Bookings) FreeSlots(ctx context.Context, serviceID, therapistID string, from, to Date) ([]Slot, error) {
	return b.freeSlots(ctx, serviceID, therapistID, from, to, "")
}

func (b *Bookings) freeSlots(ctx context.Context, serviceID, therapistID string, from, to Date, ignore string) ([]Slot, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return nil, err
	}
	ts, err := b.therapists(s, therapistID)
	if err != nil {
		return nil, err
	}
	now := b.now()
	lo, hi := b.busySpan(from, to)
	all, err := b.Store.BusyAll(ctx, therapistIDs(ts), lo, hi, now)
	if err != nil {
		return nil, err
	}
	return b.slotsOf(s, ts, from, to, all, ignore, now), nil
}

// busySpan is what to read of the therapists' busy times for the free
// times of the days from..to: a day more each side, for blocks that
// cross midnight.
func (b *Bookings) busySpan(from, to Date) (time.Time, time.Time) {
	loc := b.Practice.Location
	return from.In(loc).Add(-24 * time.Hour), to.AddDays(1).In(loc).Add(24 * time.Hour)
}

func therapistIDs(ts []Therapist) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

// slotsOf is the free times of service s on the days from..to with the
// therapists ts, whose busy times are all (in their order), leaving out
// the appointment ignore (one being moved).
func (b *Bookings) slotsOf(s Service, ts []Therapist, from, to Date, all [][]Interval, ignore string, now time.Time) []Slot {
	// Each therapist's free times come in time order; they are merged into
	// out, where a time already there (an earlier therapist's) is kept.
	var out, next []Slot
	free := make([]time.Time, 0, 128)
	for i, t := range ts {
		busy := all[i]
		if ignore != "" {
			busy = slices.DeleteFunc(busy, func(iv Interval) bool { return iv.ID == ignore })
		}
		free = appendFreeSlots(free[:0], b.Practice, t, s, from, to, busy, now)
		if !increasing(free) { // a spring-forward night can end one span where the next begins
			slices.SortFunc(free, time.Time.Compare)
			free = slices.CompactFunc(free, time.Time.Equal)
		}
		if i == 0 { // room for the union of a few therapists' times without growing
			room := len(free)
			if len(ts) > 1 {
				room *= 2
			}
			out, next = make([]Slot, 0, room), make([]Slot, 0, room)
		}
		next = mergeSlots(next[:0], out, free, t.ID)
		out, next = next, out
	}
	return out
}

// increasing reports whether each time is after the one before it.
func increasing(ts []time.Time) bool {
	for i := 1; i < len(ts); i++ {
		if !ts[i].After(ts[i-1]) {
			return false
		}
	}
	return true
}

// mergeSlots appends to dst, in time order, the slots of have and the
// times of add as therapist's (each list in time order); a time in both
// stays have's.
func mergeSlots(dst, have []Slot, add []time.Time, therapist string) []Slot {
	i, j := 0, 0
	for i < len(have) || j < len(add) {
		switch {
		case j == len(add) || i < len(have) && have[i].Start.Before(add[j]):
			dst = append(dst, have[i])
			i++
		case i < len(have) && have[i].Start.Equal(add[j]):
			dst = append(dst, have[i])
			i, j = i+1, j+1
		default:
			dst = append(dst, Slot{Start: add[j], TherapistID: therapist})
			j++
		}
	}
	return dst
}

// Hold holds start for the client with the therapist named (or the first
// free one when therapistID is ""). start must be one of the offered free
// times. ECONFLICT when it is taken, with the message to show. msg is the
// chat message that shows the hold (edited when it ends), or 0.
func (b *Bookings) Hold(ctx context.Context, c Client, serviceID, therapistID string, start time.Time, msg int) (Appointment, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return Appointment{}, err
	}
	return b.hold(ctx, c, s, therapistID, start, "", msg)
}

func (b *Bookings) hold(ctx context.Context, c Client, s Service, therapistID string, start time.Time, moves string, msg int) (Appointment, error) {
	day := DateOf(start.In(b.Practice.Location))
	ts, err := b.therapists(s, therapistID)
	if err != nil {
		return Appointment{}, err
	}

	// The busy times and the client's payment terms are read, and the
	// client's name kept, in one round trip. A new hold reads the days
	// around the time too: if it is taken, they are what to offer instead.
	now := b.now()
	lo, hi := b.busySpan(day, day)
	if moves == "" {
		lo, hi = b.busySpan(day.AddDays(-NearBefore), day.AddDays(NearAfter))
	}
	all, decided, err := b.Store.HoldReads(ctx, c, c.Username != "" || c.Name != "", therapistIDs(ts), lo, hi, now)
	if err != nil {
		return Appointment{}, err
	}

	// What is free that day, and what this client pays.
	slots := b.slotsOf(s, ts, day, day, all, moves, now)
	payment, due, prepay := PayNone, Money{Currency: s.Price.Currency}, "" // a move keeps the booking's payment
	if moves == "" {
		if payment, due, prepay, err = b.paymentOf(ctx, c, s, decided); err != nil {
			return Appointment{}, err
		}
	}

	// The first therapist free at start takes the hold.
	var lastErr error = Errorf(ECONFLICT, "That time is not free any more.")
	lost := false // to another client, after the read
	for _, t := range ts {
		if !hasSlot(b.Practice, t, s, start, slots, now) {
			continue
		}
		a := Appointment{
			ID:          NewAppointmentID(t.ID),
			TherapistID: t.ID,
			ServiceID:   s.ID,
			Client:      c,
			Start:       start.UTC(),
			End:         start.Add(s.Duration).UTC(),
			Buffer:      s.BufferAfter,
			Status:      StatusHeld,
			HoldToken:   RandomToken(12),
			HoldUntil:   now.Add(b.Practice.Policy.HoldFor).UTC(),
			Price:       s.Price,
			Payment:     payment,
			Due:         due,
			Prepay:      prepay,
			Message:     msg,
			Remote:      s.Remote,
			Moves:       moves,
			CreatedAt:   now.UTC(),
			UpdatedAt:   now.UTC(),
		}
		held, err := b.Store.Hold(ctx, a, b.Practice.Policy.MaxHoldsPerClient, now)
		if err == nil {
			b.Count("hold", "taken")
			return held, nil
		}
		if ErrorCode(err) != ECONFLICT {
			return Appointment{}, err
		}
		lastErr, lost = err, true
	}

	b.Count("hold", "conflict")
	// Seen taken in the read: the days around it, as read, are what to
	// offer. (Lost to another client after the read, the read no longer
	// says what is free: the caller reads again.)
	var taken *Error
	if moves != "" || lost || !errors.As(lastErr, &taken) {
		return Appointment{}, lastErr
	}
	near := b.slotsOf(s, ts, day.AddDays(-NearBefore), day.AddDays(NearAfter), all, "", now)
	return Appointment{}, &TakenError{Err: taken, Near: near}
}

// NearBefore and NearAfter are the days before and after a wanted time
// whose free times are offered when it is taken.
const (
	NearBefore = 3
	NearAfter  = 7
)

// TakenError is the ECONFLICT of a new hold whose time its read found
// taken, with the free times of the days around it (NearBefore, NearAfter)
// from the same read: what to offer instead, without reading again.
type TakenError struct {
	Err  *Error
	Near []Slot
}

func (e *TakenError) Error() string {
	if e.Err == nil {
		return "tori: a TakenError without its Err"
	}
	return e.Err.Error()
}
func (e *TakenError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// NearSlots returns the free times a TakenError in err's chain carries.
func NearSlots(err error) ([]Slot, bool) {
	var t *TakenError
	if errors.As(err, &t) {
		return t.Near, true
	}
	return nil, false
}

// paymentFor is what the client pays when booking s: the service's terms,
// unless the practice exempted them or requires prepayment, or the
// repeat-offender rule makes them prepay. prepay says why a pay-at-session
// service is prepaid ("required", "repeat" or "").
func (b *Bookings) paymentFor(ctx context.Context, c Client, s Service) (PaymentMode, Money, string, error) {
	decided, err := b.Store.Prepay(ctx, c.ID)
	if err != nil {
		return "", Money{}, "", err
	}
	return b.paymentOf(ctx, c, s, decided)
}

// paymentOf is paymentFor with the practice's decision (Prepay) at hand.
func (b *Bookings) paymentOf(ctx context.Context, c Client, s Service, decided string) (PaymentMode, Money, string, error) {
	payment, due, prepay := s.Payment, s.DueNow(), ""
	switch {
	case decided == PrepayExempt:
		payment, due = PayNone, Money{Currency: s.Price.Currency}
	case decided == PrepayRequired && payment != PayFull:
		payment, due, prepay = PayFull, s.Price, "required"
	case payment == PayNone:
		repeat, _, err := b.mustPrepay(ctx, c)
		if err != nil {
			return "", Money{}, "", err
		}
		if repeat {
			payment, due, prepay = PayFull, s.Price, "repeat"
		}
	}
	return payment, due, prepay, nil
}

// hasSlot reports whether start is free with t: listed in slots for t, or
// (for "first available") free for t even if listed for another therapist.
func hasSlot(p *Practice, t Therapist, s Service, start time.Time, slots []Slot, now time.Time) bool {
	for _, sl := range slots {
		if sl.Start.Equal(start) && sl.TherapistID == t.ID {
			return true
		}
	}
	for _, sl := range slots {
		if sl.Start.Equal(start) {
			// Listed under an earlier therapist; t may be free too. The store
			// decides atomically, so trying costs one round trip at most.
			return onGrid(p, t, s, start, now)
		}
	}
	return false
}

// onGrid reports whether start is an offered start time for t, ignoring busy time.
func onGrid(p *Practice, t Therapist, s Service, start time.Time, now time.Time) bool {
	d := DateOf(start.In(p.Location))
	for _, st := range FreeSlots(p, t, s, d, d, nil, now) {
		if st.Equal(start) {
			return true
		}
	}
	return false
}

// Own returns the client's appointment id; ENOTFOUND when it does not exist
// or belongs to someone else (the two are not told apart).
func (b *Bookings) Own(ctx context.Context, c Client, id string) (Appointment, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	if a.Client.ID != c.ID {
		return Appointment{}, Errorf(ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
	}
	return a, nil
}

// Confirm books the client's hold. A hold for a paid service is confirmed by
// its payment instead; a reschedule hold moves its booking. When the hold ran
// out but its time is still free, it is held again under the same id and
// booked, so a second press finds the booking.
func (b *Bookings) Confirm(ctx context.Context, c Client, holdID string) (Appointment, error) {
	h, err := b.Own(ctx, c, holdID)
	if err != nil {
		return Appointment{}, err
	}
	switch h.Status {
	case StatusHeld, StatusExpired: // an expired hold is renewed below if its time is free
	case StatusConfirmed:
		return h, nil // a second press of Confirm
	default:
		return Appointment{}, Errorf(EEXPIRED, "This time is no longer held for you. Choose a time again.")
	}
	if h.Moves != "" {
		return b.move(ctx, c, h)
	}
	if h.Payment != PayNone {
		return Appointment{}, Errorf(EINVALID, "This service is paid when booking; use the payment button to confirm it.")
	}
	a, err := b.Store.Confirm(ctx, h.ID, h.HoldToken, b.now())
	if ErrorCode(err) == EEXPIRED {
		if _, err := b.renew(ctx, h); err != nil {
			return Appointment{}, err
		}
		a, err = b.Store.Confirm(ctx, h.ID, h.HoldToken, b.now())
	}
	if err == nil {
		b.Count("booking", "confirmed")
		b.afterFreeing("confirm", b.offerFilled(ctx, a)) // the offer chain also sees it booked
	}
	return a, err
}

// renew holds an expired hold's time again, for a full hold period.
func (b *Bookings) renew(ctx context.Context, h Appointment) (Appointment, error) {
	now := b.now()
	return b.Store.Renew(ctx, h.ID, h.HoldToken, now.Add(b.Practice.Policy.HoldFor), b.Practice.Policy.MaxHoldsPerClient, now)
}

func (b *Bookings) move(ctx context.Context, c Client, h Appointment) (Appointment, error) {
	old, err := b.CheckReschedule(ctx, c, h.Moves)
	if err != nil {
		return Appointment{}, err
	}
	notice := b.Practice.Policy.RescheduleMinNotice
	a, err := b.Store.Move(ctx, h.ID, h.HoldToken, notice, b.now())
	if ErrorCode(err) == EEXPIRED {
		if _, err := b.renew(ctx, h); err != nil {
			return Appointment{}, err
		}
		a, err = b.Store.Move(ctx, h.ID, h.HoldToken, notice, b.now())
	}
	if err == nil {
		b.Count("booking", "rescheduled")
	}
	if err == nil && !a.Start.Equal(old.Start) {
		b.afterFreeing("reschedule", b.FreedAppointment(ctx, old))
	}
	return a, err
}

// Release lets go of the client's hold. Releasing twice is harmless.
func (b *Bookings) Release(ctx context.Context, c Client, holdID string) error {
	h, err := b.Own(ctx, c, holdID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil
		}
		return err
	}
	if h.Status != StatusHeld && h.Status != StatusExpired {
		return nil
	}
	if err := b.Store.Release(ctx, h.ID, h.HoldToken, b.now()); err != nil {
		return err
	}
	b.Count("hold", "released")
	b.afterFreeing("release", b.FreedAppointment(ctx, h))

	// The first week of a prepaid series let go unpaid: the series goes too.
	h.Status = StatusCancelledByClient
	_, err = b.DropUnpaidSeries(ctx, h)
	return err
}

// CheckReschedule tells whether the client's booking may still be moved:
// EGONE when it is no longer an upcoming booking, ETOOLATE past the
// policy's cut-off.
func (b *Bookings) CheckReschedule(ctx context.Context, c Client, id string) (Appointment, error) {
	a, err := b.Own(ctx, c, id)
	if err != nil {
		return Appointment{}, err
	}
	now := b.now()
	if a.Status != StatusConfirmed || !now.Before(a.Start) {
		return Appointment{}, Errorf(EGONE, "This booking can no longer be moved; it has already started, ended or been cancelled.")
	}
	if !b.Practice.Policy.CanReschedule(a.Start, now) {
		return Appointment{}, Errorf(ETOOLATE, "It is too late to move this session online.")
	}
	return a, nil
}

// RescheduleSlots returns the free times the client's booking id may move to
// on from..to: with its own therapist, its own time not counted as busy.
func (b *Bookings) RescheduleSlots(ctx context.Context, c Client, id string, from, to Date) ([]Slot, error) {
	a, err := b.CheckReschedule(ctx, c, id)
	if err != nil {
		return nil, err
	}
	slots, err := b.freeSlots(ctx, a.ServiceID, a.TherapistID, from, to, a.ID)
	if err != nil {
		return nil, err
	}
	out := slots[:0]
	for _, s := range slots {
		if !s.Start.Equal(a.Start) {
			out = append(out, s)
		}
	}
	return out, nil
}

// HoldMove holds a new time for the client's booking id; confirming the
// hold moves the booking there, and only then is the old time released.
// msg as in Hold.
func (b *Bookings) HoldMove(ctx context.Context, c Client, id string, start time.Time, msg int) (Appointment, error) {
	a, err := b.CheckReschedule(ctx, c, id)
	if err != nil {
		return Appointment{}, err
	}
	s, err := b.service(a.ServiceID)
	if err != nil {
		return Appointment{}, err
	}
	if start.Equal(a.Start) {
		return Appointment{}, Errorf(EINVALID, "That is the time already booked. Choose another time.")
	}
	return b.hold(ctx, c, s, a.TherapistID, start, a.ID, msg)
}

// Upcoming returns the client's live bookings and holds that have not
// started, in time order.
func (b *Bookings) Upcoming(ctx context.Context, c Client) ([]Appointment, error) {
	return b.clientsWhere(ctx, c, Appointment.Upcoming)
}

// clientsWhere returns the client's appointments for which keep is true
// at now, in time order.
func (b *Bookings) clientsWhere(ctx context.Context, c Client, keep func(Appointment, time.Time) bool) ([]Appointment, error) {
	now := b.now()
	all, err := b.Store.ClientAppointments(ctx, c.ID, now)
	if err != nil {
		return nil, err
	}
	var out []Appointment
	for _, a := range all {
		if keep(a, now) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Attend records that the client will come to their booking ("I'll be
// there" on a reminder). ECONFLICT when it is no longer upcoming.
func (b *Bookings) Attend(ctx context.Context, c Client, id string) (Appointment, error) {
	a, err := b.Own(ctx, c, id)
	if err != nil {
		return Appointment{}, err
	}
	if !a.Upcoming(b.now()) {
		return Appointment{}, Errorf(ECONFLICT, "This booking is no longer upcoming.")
	}
	return b.Store.SetAttending(ctx, id, b.now())
}
