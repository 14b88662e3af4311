package tori

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SeriesPolicy is how far a series of standing sessions may go.
type SeriesPolicy struct {
	// MaxOccurrences caps the sessions one series books (default 26).
	MaxOccurrences int
	// Ahead is how far ahead a series "until further notice" is kept
	// booked as time passes (default 8 weeks).
	Ahead time.Duration
	// PayBefore is how long before a prepaid occurrence's start its pay
	// reminder goes out (default 72 h), never later than a day before its
	// deadline (see PayDue).
	PayBefore time.Duration
}

// DefaultSeriesPolicy is used for every field the practice leaves out.
func DefaultSeriesPolicy() SeriesPolicy {
	return SeriesPolicy{MaxOccurrences: 26, Ahead: 8 * week, PayBefore: 72 * time.Hour}
}

const week = 7 * 24 * time.Hour

// days writes a duration in weeks or days when it is whole ones.
func days(d time.Duration) string {
	switch {
	case d > 0 && d%week == 0:
		return fmt.Sprintf("%dw", d/week)
	case d > 0 && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// maxSeriesOccurrences bounds series.max_occurrences: two years of weekly
// sessions, and what one script takes at once.
const maxSeriesOccurrences = 104

func (sp *SeriesPolicy) fillDefaults() {
	def := DefaultSeriesPolicy()
	if sp.MaxOccurrences == 0 {
		sp.MaxOccurrences = def.MaxOccurrences
	}
	if sp.Ahead == 0 {
		sp.Ahead = def.Ahead
	}
	if sp.PayBefore == 0 {
		sp.PayBefore = def.PayBefore
	}
}

// Validate checks the series settings.
func (sp SeriesPolicy) Validate() error {
	if sp.MaxOccurrences < 2 || sp.MaxOccurrences > maxSeriesOccurrences {
		return Errorf(EINVALID, "series.max_occurrences is %d: use a number from 2 to %d (26 is half a year of weekly sessions)", sp.MaxOccurrences, maxSeriesOccurrences)
	}
	if sp.Ahead < week || sp.Ahead > 52*week || sp.Ahead%(24*time.Hour) != 0 {
		return Errorf(EINVALID, "series.ahead is %s: use whole days or weeks from 1w to 52w, such as 8w", days(sp.Ahead))
	}
	if sp.PayBefore < time.Hour || sp.PayBefore > 4*week {
		return Errorf(EINVALID, "series.pay_before is %s: use a duration from 1h to 28d, such as 72h", days(sp.PayBefore))
	}
	return nil
}

// SeriesRule is a standing appointment: the same client, service and
// therapist at the same wall-clock time every week or every other week.
type SeriesRule struct {
	TherapistID string
	ServiceID   string
	Client      Client
	// First is the first session's start. Every later one starts at the
	// same wall-clock time in the practice's zone, across clock changes.
	First time.Time
	// Every is the weeks from one session to the next: 1 or 2.
	Every int
	// Count is how many sessions; 0 is "until further notice" (the
	// practice only), kept booked Practice.Series.Ahead ahead.
	Count int
	// ByPractice: the practice books it for the client. The client-facing
	// rules (working hours, days off, notice, horizon) then only warn, and
	// the series is booked at once (no hold to confirm).
	ByPractice bool
	// Anyway: the practice confirmed booking times its warnings named
	// (outside working hours, a day off). An open-ended series keeps
	// booking such times as it extends, but never a day off.
	Anyway bool
	// PayAtSession (practice): a service paid online is paid at each
	// session instead.
	PayAtSession bool
}

// Reason says why an occurrence cannot be had as planned, or what the
// practice is warned of.
type Reason string

// Reasons.
const (
	ReasonBooking      Reason = "booking"       // another booking is there
	ReasonHold         Reason = "hold"          // someone holds the time (for a few minutes)
	ReasonTimeOff      Reason = "time_off"      // the therapist blocked the time
	ReasonDayOff       Reason = "day_off"       // one of the therapist's days off
	ReasonHoliday      Reason = "holiday"       // the practice is closed for a holiday (or its eve, from the hour it closes)
	ReasonOutsideHours Reason = "outside_hours" // not an offered time within working hours
	ReasonNotice       Reason = "notice"        // sooner than the minimum notice (for the practice: already past)
	ReasonHorizon      Reason = "horizon"       // further ahead than clients may book
	// ReasonClockChange: the wall-clock time does not exist that day (the
	// clocks go forward over it). Start is then the time as RFC 5545 reads
	// it: the wall time with the offset before the gap (02:30 on a night
	// clocks go from 02:00 to 03:00 is 03:30), for the person to confirm.
	ReasonClockChange Reason = "clock_change"
)

// words says a reason in a few words, for a message.
func (r Reason) words() string {
	switch r {
	case ReasonBooking:
		return "another session is booked then"
	case ReasonHold:
		return "someone is booking that time"
	case ReasonTimeOff:
		return "the therapist is away then"
	case ReasonDayOff:
		return "it is the therapist's day off"
	case ReasonHoliday:
		return "the practice is closed for a holiday"
	case ReasonOutsideHours:
		return "it is outside the working hours"
	case ReasonNotice:
		return "it is too soon"
	case ReasonHorizon:
		return "it is too far ahead"
	case ReasonClockChange:
		return "the clocks change over that time"
	}
	return string(r)
}

// Occurrence is one session of a planned series.
type Occurrence struct {
	Week       int // its place in the series: 0 for the first, then 1, 2, … (Every weeks apart)
	Start, End time.Time
	// Conflict is why it cannot be had as planned ("" when it can).
	Conflict Reason
	// Blocker is the appointment or time off in the way, for a Conflict of
	// a booking, a hold or time off.
	Blocker string
	// Warn (a series the practice books) is a rule it breaks that the
	// practice may book over after a "book anyway?": outside working
	// hours, a day off.
	Warn Reason
	// Near is, for a Conflict or a Warn, the nearest free time that week
	// within working hours; zero when there is none (then: skip the week).
	Near time.Time
}

// SeriesPlan is what PlanSeries returns: every occurrence, free or not.
// Nothing is taken by planning.
type SeriesPlan struct {
	Rule        SeriesRule
	Occurrences []Occurrence
}

// Starts returns the times a person accepting the plan as shown takes: a
// free occurrence (or one only warned of) at its time, one in conflict at
// its nearest free time that week, or skipped (zero) when there is none.
func (p SeriesPlan) Starts() []time.Time {
	out := make([]time.Time, len(p.Occurrences))
	for i, o := range p.Occurrences {
		out[i] = o.Start
		if o.Conflict != "" {
			out[i] = o.Near
		}
	}
	return out
}

// Conflicts returns the occurrences that cannot be had as planned.
func (p SeriesPlan) Conflicts() []Occurrence {
	var out []Occurrence
	for _, o := range p.Occurrences {
		if o.Conflict != "" {
			out = append(out, o)
		}
	}
	return out
}

// SeriesEntry is an occurrence taken: its week in the series and its
// appointment.
type SeriesEntry struct {
	Week int
	ID   string
}

// Series is a series taken: its rule and the appointments it made. It
// keeps no personal data; its occurrences (ordinary appointments) name
// the client.
type Series struct {
	ID   string // "<therapist>.<random>", like an appointment's
	Rule SeriesRule
	// Status is StatusHeld until the client confirms (a series the
	// practice books is StatusConfirmed at once), then StatusConfirmed;
	// StatusCancelledByClient when the client let the hold go.
	Status    Status
	Token     string // fencing token of the holds, shared by every occurrence
	HoldUntil time.Time
	Taken     []SeriesEntry // in time order
	Next      int           // weeks planned so far: the next week an open-ended series books
	Missed    []int         // weeks that could not be booked (skipped, or met a conflict when extending)
	ExtendAt  time.Time     // when an open-ended series next books ahead; zero for a closed one
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewSeriesID returns a new series id that names its therapist.
func NewSeriesID(therapistID string) string { return NewAppointmentID(therapistID) }

// QueueSeries holds a therapist's open-ended series by when each next
// books ahead (the worker's series job).
const QueueSeries Queue = "seriesq"

// SeriesStore keeps series and takes their occurrences atomically.
// storage.Store satisfies it.
type SeriesStore interface {
	// TakeSeries takes every occurrence of occs (appointments of s's
	// therapist, in time order, their blocks apart, each naming s) and
	// records s, in one atomic step in the therapist's keys: all or none.
	// Each as it is: held until its HoldUntil (a week awaiting its payment
	// until its PayBy), or booked at once. It
	// returns ECONFLICT with a *SeriesConflictError naming the
	// occurrences in the way, ELIMIT when the client already holds
	// maxHolds times (a series counts as one hold), or an *ErasingError.
	// Retrying with the same s and occs returns nil.
	TakeSeries(ctx context.Context, s Series, occs []Appointment, maxHolds int, now time.Time) error
	// ExtendSeries is TakeSeries for an open-ended series already booked,
	// whose Next was from when read: occs are booked at once, s's Next
	// and ExtendAt are recorded and its Taken and Missed (this step's
	// own) added to those recorded, a compare-and-set on Next. ECONFLICT (with a *SeriesConflictError, or without when
	// another step extended it meanwhile), EGONE when it is no longer
	// booked.
	ExtendSeries(ctx context.Context, s Series, from int, occs []Appointment, now time.Time) error
	// FillSeriesGap books occ, the one session of a week the open-ended
	// series s missed as it extended (occ.SeriesN), at once, in the same
	// atomic step as ExtendSeries: the week leaves s's Missed and occ
	// joins its Taken. ECONFLICT (with a *SeriesConflictError when the
	// time is taken; without when the week is no longer missed), EGONE
	// when s is no longer booked. Retrying with the same occ returns nil.
	FillSeriesGap(ctx context.Context, s Series, occ Appointment, now time.Time) error
	// EndSeries ends series id from a cancelled session on: a booked
	// series takes status (cancelled by the client or the practice) and
	// books no more; its record is deleted at keep. ENOTFOUND.
	EndSeries(ctx context.Context, id string, status Status, keep, now time.Time) error
	// ConfirmSeries books every held occurrence of s at once, a
	// compare-and-set on s.Token; clientID must be the client's.
	// ENOTFOUND, EEXPIRED (its holds ran out), ECONFLICT.
	ConfirmSeries(ctx context.Context, s Series, clientID int64, now time.Time) error
	// ReleaseSeries lets go of every held occurrence of s and returns
	// the times let go. Releasing a series that is gone or booked changes
	// nothing. ENOTFOUND for another client's series.
	ReleaseSeries(ctx context.Context, s Series, clientID int64, now time.Time) ([]Interval, error)
	// Series returns a series; ENOTFOUND.
	Series(ctx context.Context, id string) (Series, error)
	// Holding reports which of ids, appointments of the therapist, are
	// live holds at now (the others are bookings).
	Holding(ctx context.Context, therapistID string, ids []string, now time.Time) (map[string]bool, error)
	// AskSeriesEnd records that the client of series id is being asked
	// whether to continue it: true for the first asker (and that asker
	// again), false once another asked; ENOTFOUND without the series.
	AskSeriesEnd(ctx context.Context, id, asker string, now time.Time) (bool, error)
	// GiveBackSeriesEnd undoes asker's AskSeriesEnd when its question
	// reached nobody, so the next run asks again; another asker's record
	// stays.
	GiveBackSeriesEnd(ctx context.Context, id, asker string, now time.Time) error
}

// SeriesConflictError is the ECONFLICT of a series whose occurrences met
// other bookings, holds or time off when taken (after they were planned):
// each one in the way, with its Week and Blocker (Start too, when the
// domain knows it). Nothing was taken; plan again.
type SeriesConflictError struct {
	Err   *Error
	Weeks []Occurrence
}

func (e *SeriesConflictError) Error() string {
	if e.Err == nil {
		return "tori: a SeriesConflictError without its Err"
	}
	return e.Err.Error()
}

func (e *SeriesConflictError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// SeriesConflicts returns the occurrences a SeriesConflictError in err's
// chain names.
func SeriesConflicts(err error) ([]Occurrence, bool) {
	var e *SeriesConflictError
	if errors.As(err, &e) {
		return e.Weeks, true
	}
	return nil, false
}

// occurrenceStart is the start of week k of r in loc: First's wall-clock
// time on the day 7·Every·k days after First's. shifted reports a wall
// time that does not exist that day (see ReasonClockChange).
func (r SeriesRule) occurrenceStart(loc *time.Location, k int) (time.Time, bool) {
	f := r.First.In(loc)
	d := DateOf(f).AddDays(7 * r.Every * k)
	return wallTime(d, f.Hour(), f.Minute(), f.Second(), loc)
}

// wallTime is the instant of a wall-clock time on day d in loc, as RFC
// 5545 reads a local time: a time that occurs twice (the clocks go back)
// is the first of the two; one that does not occur (the clocks go
// forward over it) is read with the offset before the gap, and shifted.
func wallTime(d Date, h, m, s int, loc *time.Location) (time.Time, bool) {
	naive := time.Date(d.Year, d.Month, d.Day, h, m, s, 0, time.UTC)
	var found []time.Time
	for _, around := range []time.Duration{-12 * time.Hour, 12 * time.Hour} {
		_, off := naive.Add(around).In(loc).Zone()
		at := naive.Add(-time.Duration(off) * time.Second)
		if wall := at.In(loc); wall.Hour() == h && wall.Minute() == m && wall.Second() == s && DateOf(wall) == d {
			found = append(found, at)
		}
	}
	switch {
	case len(found) == 2 && found[1].Before(found[0]):
		return found[1], false
	case len(found) > 0:
		return found[0], false
	}
	_, before := naive.Add(-12 * time.Hour).In(loc).Zone()
	return naive.Add(-time.Duration(before) * time.Second), true
}

// seriesParts checks r against the practice and returns its therapist and
// service.
func (b *Bookings) seriesParts(r SeriesRule) (Therapist, Service, error) {
	s, err := b.service(r.ServiceID)
	if err != nil {
		return Therapist{}, Service{}, err
	}
	t, ok := b.Practice.Offers(s, r.TherapistID)
	if !ok {
		return Therapist{}, Service{}, Errorf(ENOTFOUND, "That therapist does not offer this service. Choose one from the list.")
	}
	most := b.Practice.Series.MaxOccurrences
	switch {
	case r.Every != 1 && r.Every != 2:
		return t, s, Errorf(EINVALID, "A series repeats every week or every other week.")
	case r.Count == 0 && !r.ByPractice:
		return t, s, Errorf(EINVALID, "Only the practice can book sessions until further notice. Choose how many sessions to book.")
	case r.Count < 0 || r.Count == 1 || r.Count > most:
		return t, s, Errorf(EINVALID, "A series has 2 to %d sessions.", most)
	case r.First.IsZero():
		return t, s, Errorf(EINVALID, "Choose the time of the first session.")
	case r.Client.ID == 0:
		return t, s, Errorf(EINVALID, "Choose the client the series is for.")
	}
	return t, s, nil
}

// seriesPayment is what each occurrence of r is paid with. A series of a
// service paid online is paid one occurrence at a time, each by its own
// deadline (PayDue), unless the practice marks it paid at each session.
func (b *Bookings) seriesPayment(ctx context.Context, r SeriesRule, s Service, decided string) (PaymentMode, Money, string, error) {
	if r.ByPractice && r.PayAtSession {
		return PayNone, Money{Currency: s.Price.Currency}, "", nil
	}
	return b.paymentOf(ctx, r.Client, s, decided)
}

// String describes an occurrence, for logs and tests.
func (o Occurrence) String() string {
	return fmt.Sprintf("week %d %s conflict=%q warn=%q near=%s", o.Week, o.Start.Format(time.RFC3339), o.Conflict, o.Warn, o.Near.Format(time.RFC3339))
}
