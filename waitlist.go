package tori

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"
)

// Queues of the waitlist (practice-wide): freed times to offer (member the
// freeing id, due when its next step is), and entries to end when their
// dates have passed (member the entry id).
const (
	QueueWaitlist Queue = "waitlist"
	QueueWaitEnd  Queue = "waitend"
)

// DayPart is a part of the day a waitlist entry is for.
type DayPart string

// Parts of the day, by when a session starts.
const (
	AnyTime    DayPart = ""
	Mornings   DayPart = "am" // before 12:00
	Afternoons DayPart = "pm" // 12:00 to 17:00
	Evenings   DayPart = "ev" // from 17:00
)

// DayParts are the parts a client can choose, in order.
var DayParts = []DayPart{AnyTime, Mornings, Afternoons, Evenings}

// Has reports whether a session starting at minute (of the local day) is in p.
func (p DayPart) Has(minute int) bool {
	switch p {
	case Mornings:
		return minute < 12*60
	case Afternoons:
		return minute >= 12*60 && minute < 17*60
	case Evenings:
		return minute >= 17*60
	}
	return true
}

// Valid reports whether p is one of DayParts.
func (p DayPart) Valid() bool {
	for _, q := range DayParts {
		if p == q {
			return true
		}
	}
	return false
}

// WaitEntry is one client waiting for a time.
type WaitEntry struct {
	ID          string    `json:"id"`
	Client      Client    `json:"client"`
	ServiceID   string    `json:"service"`
	TherapistID string    `json:"therapist,omitempty"` // "" = anyone offering the service
	From        Date      `json:"from"`
	To          Date      `json:"to"` // inclusive
	Part        DayPart   `json:"part,omitempty"`
	Joined      time.Time `json:"joined"`
}

// Freeing is time of one therapist that came free, offered down the list.
type Freeing struct {
	ID          string
	TherapistID string
	Start, End  time.Time // the time that came free
	Ver         int       // raised by every step: steps are compare-and-set on it
	Pending     string    // the entry an offer is being made to (its hold may exist or not)
	PendingAt   time.Time // since when
	Current     string    // the offer out now (a hold id), if any
	Offered     []string  // the entries offered it so far
	State       string    // "" while offered; FreeingFilled, FreeingUnfilled or FreeingNone at the end
	FilledBy    string    // the booking that took it
}

// How a freeing ended.
const (
	FreeingFilled   = "filled"   // a client on the list booked it
	FreeingUnfilled = "unfilled" // offered, and nobody took it
	FreeingNone     = "none"     // nobody on the list wanted it
)

// WaitlistPolicy is how the practice runs its waitlist.
type WaitlistPolicy struct {
	// OfferWindow is how long each client has to take an offer (shorter
	// when the session is close: at most a third of the time left).
	OfferWindow time.Duration
	// AllowShortNotice lets an offer be for a time closer than
	// Policy.MinNotice: the case a waitlist exists for.
	AllowShortNotice bool
	// OfferWhenBookedThatDay offers times to clients who already have a
	// booking that day (by default they are skipped).
	OfferWhenBookedThatDay bool
	// MaxEntries caps a client's entries at once.
	MaxEntries int
	// MaxDays caps the days one entry covers.
	MaxDays int
}

// DefaultWaitlistPolicy is used when the practice says nothing.
func DefaultWaitlistPolicy() WaitlistPolicy {
	return WaitlistPolicy{OfferWindow: 15 * time.Minute, MaxEntries: 5, MaxDays: 31}
}

// pendingGrace is how long an offer begun without its hold yet is left to
// the step that began it; after that the step is taken for dead.
const pendingGrace = 30 * time.Second

// minOfferWindow: an offer shorter than this is not worth making.
const minOfferWindow = 2 * time.Minute

// WaitlistStore keeps the waitlist; storage.Store satisfies it.
type WaitlistStore interface {
	// AddWaitEntry adds e unless the client already has max entries
	// (ELIMIT); the same entry again returns the one there. The entry is
	// queued to end at ends.
	AddWaitEntry(ctx context.Context, e WaitEntry, max int, ends time.Time) (WaitEntry, error)
	// WaitEntries returns every entry in the order they joined;
	// ClientWaitEntries the client's; WaitEntry one (ENOTFOUND).
	WaitEntries(ctx context.Context) ([]WaitEntry, error)
	ClientWaitEntries(ctx context.Context, clientID int64) ([]WaitEntry, error)
	WaitEntry(ctx context.Context, id string) (WaitEntry, error)
	// RemoveWaitEntry removes an entry; removing one that is gone is not
	// an error.
	RemoveWaitEntry(ctx context.Context, id string) error
	// DeclineSlot records that the entry's client said no to a time;
	// Declined lists those times.
	DeclineSlot(ctx context.Context, entryID string, start time.Time) error
	Declined(ctx context.Context, entryID string) (map[int64]bool, error)
	// AddFreeing records a freeing and queues it, due at once; one with
	// the same id recorded before is left as it is.
	AddFreeing(ctx context.Context, f Freeing, now time.Time) error
	// Freeing returns one (ENOTFOUND).
	Freeing(ctx context.Context, id string) (Freeing, error)
	// BeginOffer records that f is about to be offered to entryID with
	// holdID, and takes the client's offer lock for lock (ELIMIT when they
	// have another offer out). OfferMade records the offer out; AbortOffer
	// that it was not made (the lock is given back). Each returns f as it
	// now is, or ECONFLICT (changing nothing) when f changed since it was read.
	BeginOffer(ctx context.Context, f Freeing, entryID string, clientID int64, holdID string, lock time.Duration, now time.Time) (Freeing, error)
	OfferMade(ctx context.Context, f Freeing, clientID int64, holdID string) (Freeing, error)
	AbortOffer(ctx context.Context, f Freeing, clientID int64, holdID string) (Freeing, error)
	// ReleaseOfferLock gives back the client's offer lock if holdID holds it.
	ReleaseOfferLock(ctx context.Context, clientID int64, holdID string) error
	// EndFreeing ends a freeing as state (by: the booking that filled it),
	// if it has not changed since version ver (-1: whatever it is; else
	// ECONFLICT); true for the call that ended it.
	EndFreeing(ctx context.Context, id string, ver int, state, by string) (bool, error)
	// Enqueue puts member in queue q (practice-wide queues: therapist ""), due then.
	Enqueue(ctx context.Context, q Queue, therapist, member string, due time.Time) error
}

// JoinWaitlist puts the client on the waitlist for the service, with the
// therapist (or anyone: ""), on the days from..to, in part of the day.
// docs/ARCHITECTURE.md ("The waitlist") follows a freed time down the list.
func (b *Bookings) JoinWaitlist(ctx context.Context, c Client, serviceID, therapistID string, from, to Date, part DayPart) (WaitEntry, error) {
	s, err := b.service(serviceID)
	if err != nil {
		return WaitEntry{}, err
	}
	if _, err := b.therapists(s, therapistID); err != nil {
		return WaitEntry{}, err
	}

	// The days, within the booking horizon.
	wp := b.Practice.Waitlist
	now := b.now()
	today, last := b.Practice.Today(now), b.Practice.LastBookableDay(now)
	if from.Before(today) {
		from = today
	}
	if to.After(last) {
		to = last
	}
	switch {
	case !part.Valid():
		return WaitEntry{}, Errorf(EINVALID, "Choose a part of the day from the buttons.")
	case to.Before(from):
		return WaitEntry{}, Errorf(EINVALID, "Those days have passed or are beyond the booking horizon. Choose days from today on.")
	case from.DaysUntil(to) >= wp.MaxDays:
		return WaitEntry{}, Errorf(EINVALID, "A waitlist entry can cover up to %d days. Choose fewer days.", wp.MaxDays)
	}

	if err := b.Store.RememberClient(ctx, c, now); err != nil { // their activity, for retention
		return WaitEntry{}, err
	}

	e := WaitEntry{ID: "w" + RandomToken(10), Client: c, ServiceID: s.ID, TherapistID: therapistID, From: from, To: to, Part: part, Joined: now.UTC()}
	return b.Store.AddWaitEntry(ctx, e, wp.MaxEntries, to.AddDays(1).In(b.Practice.Location))
}

// Waitlist returns the client's entries.
func (b *Bookings) Waitlist(ctx context.Context, c Client) ([]WaitEntry, error) {
	return b.Store.ClientWaitEntries(ctx, c.ID)
}

// LeaveWaitlist takes the client's entry off the list; ENOTFOUND when it is
// not theirs (or gone).
func (b *Bookings) LeaveWaitlist(ctx context.Context, c Client, id string) error {
	e, err := b.Store.WaitEntry(ctx, id)
	if err != nil || e.Client.ID != c.ID {
		if err == nil || ErrorCode(err) == ENOTFOUND {
			return Errorf(ENOTFOUND, "That waitlist entry was not found; it may have ended. Open your bookings to see your entries.")
		}
		return err
	}
	return b.Store.RemoveWaitEntry(ctx, id)
}

// Freed records that [start, end) of a therapist came free and, when anyone
// is waiting, queues offering it.
func (b *Bookings) Freed(ctx context.Context, therapistID string, start, end time.Time) error {
	return b.freed(ctx, RandomToken(16), therapistID, start, end)
}

// freed is Freed under a key: the same key again (a retried call) is the
// same freeing, recorded once.
func (b *Bookings) freed(ctx context.Context, key, therapistID string, start, end time.Time) error {
	if !end.After(b.now()) {
		return nil
	}

	es, err := b.Store.WaitEntries(ctx)
	if err != nil || len(es) == 0 {
		return err
	}

	sum := sha256.Sum256([]byte(key))
	f := Freeing{ID: "f" + derived(sum[:10]), TherapistID: therapistID, Start: start.UTC(), End: end.UTC()}
	return b.Store.AddFreeing(ctx, f, b.now())
}

// FreedAppointment is Freed for a hold or booking that let go of its time
// (the same appointment and time again is the same freeing); a waitlist
// offer that ended passes its freeing on to the next in line.
func (b *Bookings) FreedAppointment(ctx context.Context, a Appointment) error {
	if fid, _, ok := strings.Cut(a.Offer, "/"); ok && !a.Booked() {
		if err := b.Store.ReleaseOfferLock(ctx, a.Client.ID, offerLockHolder(a)); err != nil {
			return err
		}
		return b.Store.Enqueue(ctx, QueueWaitlist, "", fid, b.now())
	}

	return b.freed(ctx, a.ID+"@"+a.Start.UTC().Format(time.RFC3339), a.TherapistID, a.Start, a.End)
}

// afterFreeing runs a best-effort follow-up of a change already made: it
// is logged, never returned (the change stands either way).
func (b *Bookings) afterFreeing(op string, err error) {
	if err != nil {
		b.log().Warn("waitlist not told of freed time", "op", op, "err", err)
	}
}

// OfferStep is what one step of offering a freeing did.
type OfferStep struct {
	Freeing Freeing
	// Offer is the offer out now (made by this step or before), to be sent
	// to its client once.
	Offer Appointment
	// WaitUntil is when to look at the freeing again; zero when it ended.
	WaitUntil time.Time
	// Unfilled is true for the step that ended it with offers made and
	// none taken (the therapist is told).
	Unfilled bool
}

// AdvanceFreeing takes the next step of offering a freeing: nothing while
// an offer is out, else an offer to the next client in line whose wish the
// time fits, else the end. The worker calls it under a claim; every change
// is compare-and-set on the freeing's version, so a step that overlaps
// another (a lapsed lease) gets ECONFLICT and changes nothing. A step cut
// off between taking an offer's hold and recording it is finished by the
// next (the hold's id and token come from the freeing and the entry).
func (b *Bookings) AdvanceFreeing(ctx context.Context, id string) (OfferStep, error) {
	f, err := b.Store.Freeing(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return OfferStep{}, nil
	}
	if err != nil || f.State != "" {
		return OfferStep{Freeing: f}, err
	}

	// An offer a step began and did not record is finished first.
	if f.Pending != "" {
		var done bool
		var step OfferStep
		if f, step, done, err = b.resumeOffer(ctx, f); err != nil || done {
			return step, err
		}
	}

	// An offer out: the step waits for it, or ends with it taken.
	if step, done, err := b.currentOffer(ctx, f); err != nil || done {
		return step, err
	}

	// The next client in line whose wish the time fits, or else the end.
	step, f, done, err := b.offerNext(ctx, f)
	if err != nil || done {
		return step, err
	}
	return b.endFreeing(ctx, f)
}

// currentOffer is the step while an offer is out (held by the offer's own
// hold or by a successor that took its time over): taken, the freeing ends
// filled; held, the step waits for it; run out, it waits a minute for the
// hold job to end it and pass it on. done is false when no offer is out.
func (b *Bookings) currentOffer(ctx context.Context, f Freeing) (step OfferStep, done bool, err error) {
	if f.Current == "" {
		return OfferStep{}, false, nil
	}

	now := b.now()
	h, err := b.offerHolder(ctx, f.Current)
	if err != nil {
		return OfferStep{}, true, err
	}

	switch {
	case h.Booked():
		_, err := b.Store.EndFreeing(ctx, f.ID, f.Ver, FreeingFilled, h.ID)
		f.State = FreeingFilled
		return OfferStep{Freeing: f}, true, err
	case h.Status == StatusHeld && now.Before(h.HoldUntil) && h.ID != f.Current:
		// A successor: its client was told of it with the mismatch.
		return OfferStep{Freeing: f, WaitUntil: h.HoldUntil}, true, nil
	case h.Status == StatusHeld && now.Before(h.HoldUntil):
		return OfferStep{Freeing: f, Offer: h, WaitUntil: h.HoldUntil}, true, nil
	case h.Status == StatusHeld:
		return OfferStep{Freeing: f, WaitUntil: now.Add(time.Minute)}, true, nil
	}
	return OfferStep{}, false, nil
}

// offerNext offers the time to the first client in line not yet offered it
// whose wish it fits; done is false when there is none. f comes back as it
// now is.
func (b *Bookings) offerNext(ctx context.Context, f Freeing) (OfferStep, Freeing, bool, error) {
	entries, err := b.Store.WaitEntries(ctx)
	if err != nil {
		return OfferStep{}, f, true, err
	}

	for _, e := range entries {
		if contains(f.Offered, e.ID) {
			continue
		}
		var h Appointment
		var ok bool
		if h, ok, f, err = b.offer(ctx, f, e); err != nil {
			return OfferStep{}, f, true, err
		}
		if ok {
			return OfferStep{Freeing: f, Offer: h, WaitUntil: h.HoldUntil}, f, true, nil
		}
	}
	return OfferStep{}, f, false, nil
}

// endFreeing ends a freeing no one in line took: unfilled when offers
// were made and the time is still free (the therapist is told), else with
// nothing to tell.
func (b *Bookings) endFreeing(ctx context.Context, f Freeing) (OfferStep, error) {
	state := FreeingNone
	if len(f.Offered) > 0 {
		free, err := b.stillFree(ctx, f)
		if err != nil {
			return OfferStep{}, err
		}
		if free { // else the practice took it off meanwhile: nothing to tell
			state = FreeingUnfilled
		}
	}

	fresh, err := b.Store.EndFreeing(ctx, f.ID, f.Ver, state, "")
	f.State = state
	return OfferStep{Freeing: f, Unfilled: fresh && state == FreeingUnfilled}, err
}

// resumeOffer finishes an offer a step began and did not record: made if
// its hold is there and live, else undone. done says the step ends here.
func (b *Bookings) resumeOffer(ctx context.Context, f Freeing) (Freeing, OfferStep, bool, error) {
	hid := offerHoldID(f, f.Pending)
	h, err := b.Store.Appointment(ctx, hid)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return f, OfferStep{}, false, err
	}

	client := h.Client.ID
	if err != nil { // the hold was never taken: whose lock is it?
		e, err := b.Store.WaitEntry(ctx, f.Pending)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return f, OfferStep{}, false, err
		}
		client = e.Client.ID
	}

	// Its hold there and live: the offer was made.
	if h.Status == StatusHeld && b.now().Before(h.HoldUntil) {
		f, err := b.Store.OfferMade(ctx, f, client, h.ID)
		return f, OfferStep{Freeing: f, Offer: h, WaitUntil: h.HoldUntil}, true, err
	}

	if until := f.PendingAt.Add(pendingGrace); err != nil && b.now().Before(until) {
		// No hold yet: the step that began it may still be taking it.
		return f, OfferStep{Freeing: f, WaitUntil: until}, true, nil
	}

	// Else the offer is undone, its hold (if any) let go.
	if h.Status == StatusHeld {
		if err := b.Store.Release(ctx, h.ID, h.HoldToken, b.now()); err != nil && ErrorCode(err) != ECONFLICT {
			return f, OfferStep{}, false, err
		}
	}
	f, err = b.Store.AbortOffer(ctx, f, client, hid)
	return f, OfferStep{}, false, err
}

// stillFree reports whether any service of the freeing's therapist can
// still start in the freed time (it may have been taken off meanwhile).
func (b *Bookings) stillFree(ctx context.Context, f Freeing) (bool, error) {
	t, ok := b.Practice.Therapist(f.TherapistID)
	if !ok {
		return false, nil
	}

	for _, s := range b.Practice.Services {
		if !offers(b.Practice, s, t.ID) {
			continue
		}
		_, _, ok, err := b.offerSlot(ctx, f, WaitEntry{ServiceID: s.ID, From: DateOf(f.Start.In(b.Practice.Location)), To: DateOf(f.End.In(b.Practice.Location))})
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// offerHoldID is the id of the hold that offers freeing f to entry.
func offerHoldID(f Freeing, entryID string) string {
	seed := sha256.Sum256([]byte(f.ID + "/" + entryID))
	return f.TherapistID + "." + derived(seed[:10])
}

// offers reports whether the therapist gives service s.
func offers(p *Practice, s Service, therapistID string) bool {
	for _, t := range p.TherapistsFor(s) {
		if t.ID == therapistID {
			return true
		}
	}
	return false
}

// contains reports whether x is one of xs.
func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// offer holds the first time of the freeing that fits entry e for its
// client, for the offer window. ok is false when nothing fits, the client
// has another offer out, or the time was taken meanwhile; f comes back as
// it now is.
func (b *Bookings) offer(ctx context.Context, f Freeing, e WaitEntry) (Appointment, bool, Freeing, error) {
	start, s, ok, err := b.offerSlot(ctx, f, e)
	if err != nil || !ok {
		return Appointment{}, false, f, err
	}

	now := b.now()
	wp := b.Practice.Waitlist
	if !wp.OfferWhenBookedThatDay {
		booked, err := b.bookedOn(ctx, e.Client.ID, DateOf(start.In(b.Practice.Location)))
		if err != nil || booked {
			return Appointment{}, false, f, err
		}
	}

	// What the client pays for it, as for any hold.
	payment, due, prepay, err := b.paymentFor(ctx, e.Client, s)
	if err != nil {
		return Appointment{}, false, f, err
	}

	// The hold: its id and token come from the freeing and the entry, so
	// that a step repeated finds the first one's.
	seed := sha256.Sum256([]byte(f.ID + "/" + e.ID))
	window := offerWindow(wp.OfferWindow, start, now)
	h := Appointment{
		ID:          offerHoldID(f, e.ID),
		TherapistID: f.TherapistID,
		ServiceID:   s.ID,
		Client:      e.Client,
		Start:       start.UTC(),
		End:         start.Add(s.Duration).UTC(),
		Buffer:      s.BufferAfter,
		Status:      StatusHeld,
		HoldToken:   derived(seed[10:22]),
		HoldUntil:   now.Add(window).UTC(),
		Price:       s.Price,
		Payment:     payment,
		Due:         due,
		Prepay:      prepay,
		Remote:      s.Remote,
		Offer:       f.ID + "/" + e.ID,
		CreatedAt:   now.UTC(),
		UpdatedAt:   now.UTC(),
	}

	// Begin the offer (the entry pending), then take the hold.
	f, err = b.Store.BeginOffer(ctx, f, e.ID, e.Client.ID, h.ID, window+b.Practice.Policy.HoldFor+captureGrace, now)
	switch ErrorCode(err) {
	case "":
	case ELIMIT: // one offer at a time
		return Appointment{}, false, f, nil
	default:
		return Appointment{}, false, f, err
	}
	return b.holdOffer(ctx, f, e, h, now)
}

// holdOffer takes the hold h of an offer begun (pending) to e's client and
// records the offer made; when the time was taken meanwhile, or the client
// holds too much, it undoes the offer. On any other error the offer stays
// pending, for the next step to finish.
func (b *Bookings) holdOffer(ctx context.Context, f Freeing, e WaitEntry, h Appointment, now time.Time) (Appointment, bool, Freeing, error) {
	_, err := b.Store.Hold(ctx, h, b.Practice.Policy.MaxHoldsPerClient+1, now)
	held := h
	if err == nil {
		held, err = b.Store.Appointment(ctx, h.ID) // a repeated step finds the first one's hold
	}

	switch {
	case err == nil && held.Status == StatusHeld:
		made, err := b.Store.OfferMade(ctx, f, e.Client.ID, h.ID)
		if ErrorCode(err) == ECONFLICT { // another step finished or undid this offer meanwhile
			if now, err2 := b.Store.Freeing(ctx, f.ID); err2 == nil && now.Current == h.ID {
				return held, true, now, nil
			}
			b.afterFreeing("undone offer", b.Store.Release(ctx, h.ID, h.HoldToken, b.now()))
		}
		return held, err == nil, made, err
	case err == nil, ErrorCode(err) == ECONFLICT, ErrorCode(err) == ELIMIT:
		f, err = b.Store.AbortOffer(ctx, f, e.Client.ID, h.ID)
		return Appointment{}, false, f, err
	}
	return Appointment{}, false, f, err // pending stays: the next step finishes it
}

// offerWindow is how long a client has to take an offer: the practice's
// window, but at most a third of the time left before the session.
func offerWindow(window time.Duration, start, now time.Time) time.Duration {
	return min(window, start.Sub(now)/3)
}

// derived spells bytes in the id alphabet.
func derived(b []byte) string {
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = idAlphabet[int(x)%len(idAlphabet)]
	}
	return string(out)
}

// offerSlot finds the earliest free start of e's service with the
// freeing's therapist within the freed time that fits e. (A start before
// it was free before, or not at all: it is no news.)
func (b *Bookings) offerSlot(ctx context.Context, f Freeing, e WaitEntry) (time.Time, Service, bool, error) {
	s, okS := b.Practice.Service(e.ServiceID)
	t, okT := b.Practice.Therapist(f.TherapistID)
	if !okS || !okT || e.TherapistID != "" && e.TherapistID != t.ID || !offers(b.Practice, s, t.ID) {
		return time.Time{}, s, false, nil
	}

	loc := b.Practice.Location
	from, to, ok := b.offerDays(f, e)
	if !ok {
		return time.Time{}, s, false, nil
	}

	now := b.now()
	busy, err := b.Store.Busy(ctx, t.ID, from.In(loc).Add(-24*time.Hour), to.AddDays(1).In(loc).Add(24*time.Hour), now)
	if err != nil {
		return time.Time{}, s, false, err
	}
	declined, err := b.Store.Declined(ctx, e.ID)
	if err != nil {
		return time.Time{}, s, false, err
	}

	// An offer may be at short notice, when the practice allows it.
	p := *b.Practice
	if p.Waitlist.AllowShortNotice {
		p.Policy.MinNotice = 0
	}

	for _, st := range FreeSlots(&p, t, s, from, to, busy, now) {
		if b.offerable(f, e, s, declined, st, now) {
			return st, s, true, nil
		}
	}
	return time.Time{}, s, false, nil
}

// offerDays are the days of the freed time that e asks for; ok is false
// when there are none.
func (b *Bookings) offerDays(f Freeing, e WaitEntry) (from, to Date, ok bool) {
	loc := b.Practice.Location
	from, to = DateOf(f.Start.In(loc)), DateOf(f.End.Add(-time.Nanosecond).In(loc))
	if from.Before(e.From) {
		from = e.From
	}
	if to.After(e.To) {
		to = e.To
	}
	return from, to, !to.Before(from)
}

// offerable reports whether a free start st of service s is one to offer
// e's client: within the freed time and the part of the day they asked
// for, not near a time they declined, and with time enough to take it.
func (b *Bookings) offerable(f Freeing, e WaitEntry, s Service, declined map[int64]bool, st, now time.Time) bool {
	local := st.In(b.Practice.Location)
	switch {
	case st.Before(f.Start) || !st.Before(f.End):
	case !e.Part.Has(local.Hour()*60 + local.Minute()):
	case nearDeclined(declined, st, s.Duration):
	case offerWindow(b.Practice.Waitlist.OfferWindow, st, now) < minOfferWindow:
	default:
		return true
	}
	return false
}

// nearDeclined reports whether a session at st would overlap one its client
// said no to: "not this time" is not only the minute.
func nearDeclined(declined map[int64]bool, st time.Time, d time.Duration) bool {
	for ms := range declined {
		at := time.UnixMilli(ms)
		if st.Before(at.Add(d)) && at.Before(st.Add(d)) {
			return true
		}
	}
	return false
}

// bookedOn reports whether the client has a booking on day.
func (b *Bookings) bookedOn(ctx context.Context, clientID int64, day Date) (bool, error) {
	loc := b.Practice.Location
	as, err := b.Store.ClientAppointments(ctx, clientID, day.In(loc))
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a.Status == StatusConfirmed && DateOf(a.Start.In(loc)) == day {
			return true, nil
		}
	}
	return false, nil
}

// TakeOffer takes a waitlist offer made to the client: the hold is theirs
// for a full hold period from now, to confirm (or pay) as any other. It
// returns ENOTFOUND for an offer that is not theirs, EEXPIRED when it has
// passed on, EGONE when it was withdrawn (passed, or the time is no longer
// free: the practice took it off).
func (b *Bookings) TakeOffer(ctx context.Context, c Client, id string) (Appointment, error) {
	h, err := b.Own(ctx, c, id)
	if err != nil {
		return Appointment{}, err
	}

	now := b.now()
	switch {
	case h.Offer == "":
		return Appointment{}, Errorf(ENOTFOUND, "That offer was not found. Open your bookings to see them all.")
	case h.Booked():
		return h, nil
	case h.Status == StatusExpired || h.Status == StatusHeld && !now.Before(h.HoldUntil):
		return Appointment{}, Errorf(EEXPIRED, "This offer has passed to the next person waiting.")
	case h.Status != StatusHeld:
		return Appointment{}, Errorf(EGONE, "This time is no longer free, so the offer is withdrawn.")
	}

	// Taken: held a full hold period from now, as any hold.
	until := now.Add(b.Practice.Policy.HoldFor)
	if until.After(h.Start) {
		until = h.Start // a short-notice offer: held until the session at most
	}
	if until.After(h.HoldUntil) {
		if h, err = b.Store.Renew(ctx, h.ID, h.HoldToken, until, b.Practice.Policy.MaxHoldsPerClient+1, now); err != nil {
			return h, err
		}
	}

	b.Count("waitlist", "taken")
	return h, nil
}

// DeclineOffer says no to a waitlist offer: the time goes to the next in
// line at once, and the client stays on the list (this time is not offered
// to them again).
func (b *Bookings) DeclineOffer(ctx context.Context, c Client, id string) (Appointment, error) {
	h, err := b.Own(ctx, c, id)
	if err != nil {
		return Appointment{}, err
	}
	fid, eid, ok := strings.Cut(h.Offer, "/")
	if !ok {
		return Appointment{}, Errorf(ENOTFOUND, "That offer was not found. Open your bookings to see them all.")
	}
	if h.Booked() {
		return h, Errorf(ECONFLICT, "You have already booked this time.")
	}

	if h.Status == StatusHeld || h.Status == StatusExpired {
		if err := b.Store.Release(ctx, h.ID, h.HoldToken, b.now()); err != nil {
			return Appointment{}, err
		}
	}

	// The time is not offered to them again, and their offer lock is free.
	if err := b.Store.DeclineSlot(ctx, eid, h.Start); err != nil {
		return Appointment{}, err
	}
	if err := b.Store.ReleaseOfferLock(ctx, c.ID, offerLockHolder(h)); err != nil {
		return Appointment{}, err
	}
	b.Count("waitlist", "declined")
	return h, b.Store.Enqueue(ctx, QueueWaitlist, "", fid, b.now())
}

// WithdrawOffer lets go of an offer its client cannot be sent (they
// blocked the bot): the time goes to the next in line at once.
func (b *Bookings) WithdrawOffer(ctx context.Context, h Appointment) error {
	if h.Status == StatusHeld {
		if err := b.Store.Release(ctx, h.ID, h.HoldToken, b.now()); err != nil {
			return err
		}
	}
	h.Status = StatusCancelledByClient
	return b.FreedAppointment(ctx, h)
}

// offerFilled ends the freeing a booked offer came from, and the entry it
// served; time of it left over (time off given back, a long session
// cancelled) is offered on as a freeing of its own.
func (b *Bookings) offerFilled(ctx context.Context, a Appointment) error {
	fid, eid, ok := strings.Cut(a.Offer, "/")
	if !ok || !a.Booked() {
		return nil
	}

	if _, err := b.Store.EndFreeing(ctx, fid, -1, FreeingFilled, a.ID); err != nil {
		return err
	}
	b.Count("waitlist", "filled")
	if err := b.Store.ReleaseOfferLock(ctx, a.Client.ID, offerLockHolder(a)); err != nil {
		return err
	}
	if err := b.Store.RemoveWaitEntry(ctx, eid); err != nil {
		return err
	}

	// Time left over goes on as a freeing of its own.
	f, err := b.Store.Freeing(ctx, fid)
	if err != nil || f.End.Sub(f.Start) <= a.End.Sub(a.Start)+a.Buffer {
		return err
	}
	return b.freed(ctx, fid+":rest", f.TherapistID, f.Start, f.End)
}

// offerLockHolder is the hold that took the client's offer lock for a's
// offer: the offer's own hold, whose id follows from the freeing and the
// entry, also when a is the successor of that hold (its capture did not
// match what was due, and a took its time and its offer over).
func offerLockHolder(a Appointment) string {
	fid, eid, _ := strings.Cut(a.Offer, "/")
	return offerHoldID(Freeing{ID: fid, TherapistID: a.TherapistID}, eid)
}

// offerHolder reads the hold that holds a freeing's offer now: the offer's
// own hold, or, when its capture did not match what was due, the successor
// that took its time over (and so on, a few times at most). An empty
// appointment when there is none.
func (b *Bookings) offerHolder(ctx context.Context, id string) (Appointment, error) {
	var h Appointment
	for range 4 {
		var err error
		h, err = b.Store.Appointment(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return Appointment{}, nil
		}
		if err != nil || h.Successor == "" {
			return h, err
		}
		id = h.Successor
	}
	return h, nil
}
