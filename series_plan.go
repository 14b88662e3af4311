package tori

import (
	"context"
	"slices"
	"sort"
	"time"
)

// PlanSeries lays out the series r describes and says of every occurrence
// whether it can be had: free; in conflict (a booking, a hold or time off
// there; for a series the client makes also a day off, a time outside
// working hours, too soon or too far ahead; a wall time the clocks skip)
// with the nearest free time that week, or none ("skip"); or, for a
// series the practice makes, only warned of (outside working hours, a day
// off: "book anyway?"). It reads the therapist's busy times over the
// whole span at once. Nothing is taken. An open-ended series (Count 0)
// plans the weeks that start within Practice.Series.Ahead.
func (b *Bookings) PlanSeries(ctx context.Context, r SeriesRule) (SeriesPlan, error) {
	t, s, err := b.seriesParts(r)
	if err != nil {
		return SeriesPlan{}, err
	}
	now := b.now()
	n := r.Count
	if n == 0 {
		n = max(1, b.openWeeks(r, 0, now))
	}
	occ, decided, err := b.planWeeks(ctx, r, t, s, 0, n, now)
	if err != nil {
		return SeriesPlan{}, err
	}
	if _, _, _, err := b.seriesPayment(ctx, r, s, decided); err != nil {
		return SeriesPlan{}, err
	}
	return SeriesPlan{Rule: r, Occurrences: occ}, nil
}

// openWeeks is the week after the last that an open-ended series keeps
// booked at now: weeks from on that start before now plus
// Practice.Series.Ahead, at most MaxOccurrences of them.
func (b *Bookings) openWeeks(r SeriesRule, from int, now time.Time) int {
	until := now.Add(b.Practice.Series.Ahead)
	k := from
	for k < from+b.Practice.Series.MaxOccurrences {
		if st, _ := r.occurrenceStart(b.Practice.Location, k); !st.Before(until) {
			break
		}
		k++
	}
	return k
}

// extendAt is when an open-ended series whose weeks before next are
// planned books ahead again: Practice.Series.Ahead before week next.
func (b *Bookings) extendAt(r SeriesRule, next int) time.Time {
	st, _ := r.occurrenceStart(b.Practice.Location, next)
	return st.Add(-b.Practice.Series.Ahead).UTC()
}

// planWeeks judges weeks from..to-1 of r against one read of the
// therapist's busy times over the weeks they fall in, and returns them
// with the client's prepayment decision (read in the same round trip).
func (b *Bookings) planWeeks(ctx context.Context, r SeriesRule, t Therapist, s Service, from, to int, now time.Time) ([]Occurrence, string, error) {
	p, loc := b.Practice, b.Practice.Location
	occ := make([]Occurrence, 0, to-from)
	shifted := make([]bool, 0, to-from)
	for k := from; k < to; k++ {
		st, sh := r.occurrenceStart(loc, k)
		occ = append(occ, Occurrence{Week: k, Start: st.UTC(), End: st.Add(s.Duration).UTC()})
		shifted = append(shifted, sh)
	}

	// One read: the weeks of the first and the last occurrence and all
	// between (a day more each side), and the client's payment terms.
	first := DateOf(occ[0].Start.In(loc)).WeekStart(p.FirstWeekday)
	last := DateOf(occ[len(occ)-1].Start.In(loc)).WeekStart(p.FirstWeekday).AddDays(6)
	lo, hi := b.busySpan(first, last)
	all, decided, err := b.Store.HoldReads(ctx, r.Client, r.Client.Username != "" || r.Client.Name != "", []string{t.ID}, lo, hi, now)
	if err != nil {
		return nil, "", err
	}
	busy := all[0]

	// The free times of the whole span, in time order: where the nearest
	// free time of a week is found.
	j := b.judge(r, t, s, now)
	free := appendFreeSlots(nil, j.offer, t, s, first, last, busy, now)
	if !increasing(free) {
		slices.SortFunc(free, time.Time.Compare)
		free = slices.CompactFunc(free, time.Time.Equal)
	}

	for i := range occ {
		o := &occ[i]
		if id := overlapping(busy, o.Start, o.End.Add(s.BufferAfter)); id != "" {
			o.Conflict, o.Blocker = blockerReason(id), id
		} else {
			o.Conflict, o.Warn = j.rules(o.Start, shifted[i])
		}
		if o.Conflict != "" || o.Warn != "" {
			o.Near = nearestInWeek(free, o.Start, loc, p.FirstWeekday)
		}
	}
	return occ, decided, b.tellHolds(ctx, t.ID, occ, now)
}

// tellHolds turns the conflicts with a booking that are live holds into
// ReasonHold (one more read, only when there are any).
func (b *Bookings) tellHolds(ctx context.Context, tid string, occ []Occurrence, now time.Time) error {
	var ids []string
	for _, o := range occ {
		if o.Conflict == ReasonBooking {
			ids = append(ids, o.Blocker)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	held, err := b.Store.Holding(ctx, tid, ids, now)
	if err != nil {
		return err
	}
	for i := range occ {
		if occ[i].Conflict == ReasonBooking && held[occ[i].Blocker] {
			occ[i].Conflict = ReasonHold
		}
	}
	return nil
}

// blockerReason is what a busy interval's id says it is: an appointment
// (a booking; tellHolds finds the holds among them) or time off.
func blockerReason(id string) Reason {
	if _, ok := TherapistOfID(id); ok {
		return ReasonBooking
	}
	return ReasonTimeOff
}

// overlapping returns the id of a busy interval that overlaps [start, end), or "".
func overlapping(busy []Interval, start, end time.Time) string {
	for _, iv := range busy {
		if iv.Start.Before(end) && start.Before(iv.End) {
			return iv.ID
		}
	}
	return ""
}

// nearestInWeek is the free time (of free, in time order) nearest to at in
// at's week; zero when that week has none.
func nearestInWeek(free []time.Time, at time.Time, loc *time.Location, first time.Weekday) time.Time {
	ws := DateOf(at.In(loc)).WeekStart(first)
	lo, hi := ws.In(loc), ws.AddDays(7).In(loc)
	i := sort.Search(len(free), func(i int) bool { return !free[i].Before(lo) })
	j := sort.Search(len(free), func(i int) bool { return !free[i].Before(hi) })
	if i == j {
		return time.Time{}
	}
	return Nearest(free[i:j], at, 1)[0]
}

// seriesJudge judges the times of one series by the rules that apply to
// who makes it.
type seriesJudge struct {
	r    SeriesRule
	t    Therapist
	s    Service
	p    *Practice // the practice's rules
	open *Practice // the same with no minimum notice and no horizon
	// offer is what the nearest free times are offered under: the
	// practice's rules for a client, open ones for the practice.
	offer *Practice
	now   time.Time
}

func (b *Bookings) judge(r SeriesRule, t Therapist, s Service, now time.Time) seriesJudge {
	open := *b.Practice
	open.Policy.MinNotice = 0
	open.Policy.MaxDaysAhead = 10 * 366
	j := seriesJudge{r: r, t: t, s: s, p: b.Practice, open: &open, offer: b.Practice, now: now}
	if r.ByPractice {
		j.offer = j.open
	}
	return j
}

// rules is what the client-facing rules make of a session at st (busy
// time aside). For a series the client makes, each broken rule is a
// conflict. For one the practice makes, only a time already past or one
// the clocks skip is; a day off or a time outside working hours is a
// warning, and notice and horizon do not count.
func (j seriesJudge) rules(st time.Time, shifted bool) (conflict, warn Reason) {
	loc := j.p.Location
	d := DateOf(st.In(loc))
	if j.r.ByPractice {
		switch {
		case !st.After(j.now):
			return ReasonNotice, ""
		case shifted:
			return ReasonClockChange, ""
		case j.t.OffOn(d):
			return "", ReasonDayOff
		case !withinHours(j.t, j.s, st, loc):
			return "", ReasonOutsideHours
		}
		return "", ""
	}
	switch {
	case st.Before(j.now.Add(j.p.Policy.MinNotice)):
		return ReasonNotice, ""
	case j.t.OffOn(d):
		return ReasonDayOff, ""
	case shifted:
		return ReasonClockChange, ""
	case !onGrid(j.open, j.t, j.s, st, j.now):
		return ReasonOutsideHours, ""
	case d.After(j.p.LastBookableDay(j.now)):
		return ReasonHorizon, ""
	}
	return "", ""
}

// withinHours reports whether a session of s at st lies within one of t's
// working spans that day.
func withinHours(t Therapist, s Service, st time.Time, loc *time.Location) bool {
	d := DateOf(st.In(loc))
	for _, sp := range t.Hours[d.Weekday()] {
		if !st.Before(d.At(sp.Start, loc)) && !st.Add(s.Duration).After(d.At(sp.End, loc)) {
			return true
		}
	}
	return false
}
