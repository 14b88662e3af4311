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
// booked at now: weeks from on that start by now plus
// Practice.Series.Ahead, at most MaxOccurrences of them.
func (b *Bookings) openWeeks(r SeriesRule, from int, now time.Time) int {
	until := now.Add(b.Practice.Series.Ahead)
	k := from
	for k < from+b.Practice.Series.MaxOccurrences {
		if st, _ := r.occurrenceStart(b.Practice.Location, k); st.After(until) {
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
	busy := sortedBusy(all[0])

	j := b.judge(r, t, s, now)
	in := busyIndex(busy)
	for i := range occ {
		o := &occ[i]
		if id := in.overlapping(o.Start, o.End.Add(s.BufferAfter)); id != "" {
			o.Conflict, o.Blocker = blockerReason(id), id
		} else {
			o.Conflict, o.Warn = j.rules(o.Start, shifted[i])
		}
		if o.Conflict != "" || o.Warn != "" {
			o.Near = j.nearestInWeek(busy, o.Start)
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

// sortedBusy is busy in order of start (as the store reads it; sorted
// here if not).
func sortedBusy(busy []Interval) []Interval {
	if !slices.IsSortedFunc(busy, func(a, b Interval) int { return a.Start.Compare(b.Start) }) {
		busy = slices.Clone(busy)
		slices.SortFunc(busy, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	}
	return busy
}

// busyIndexed is busy times in order of start, with the longest of them:
// what overlaps a time is found without reading them all.
type busyIndexed struct {
	busy    []Interval
	longest time.Duration
}

func busyIndex(busy []Interval) busyIndexed {
	in := busyIndexed{busy: busy}
	for _, iv := range busy {
		in.longest = max(in.longest, iv.End.Sub(iv.Start))
	}
	return in
}

// overlapping returns the id of a busy interval that overlaps [start, end), or "".
func (in busyIndexed) overlapping(start, end time.Time) string {
	from := start.Add(-in.longest)
	k := sort.Search(len(in.busy), func(i int) bool { return !in.busy[i].Start.Before(from) })
	for ; k < len(in.busy) && in.busy[k].Start.Before(end); k++ {
		if start.Before(in.busy[k].End) {
			return in.busy[k].ID
		}
	}
	return ""
}

// nearestInWeek is the free time nearest to at in at's week (the
// practice's), given busy; zero when that week has none.
func (j seriesJudge) nearestInWeek(busy []Interval, at time.Time) time.Time {
	ws := DateOf(at.In(j.p.Location)).WeekStart(j.p.FirstWeekday)
	free := appendFreeSlots(nil, j.offer, j.t, j.s, ws, ws.AddDays(6), busy, j.now)
	if len(free) == 0 {
		return time.Time{}
	}
	return Nearest(free, at, 1)[0]
}

// seriesJudge judges the times of one series by the rules that apply to
// who makes it.
type seriesJudge struct {
	r SeriesRule
	t Therapist
	s Service
	p *Practice // the practice's rules
	// offer is what the nearest free times are offered under: the
	// practice's rules for a client; for the practice, the same with no
	// minimum notice and no horizon.
	offer *Practice
	now   time.Time
}

func (b *Bookings) judge(r SeriesRule, t Therapist, s Service, now time.Time) seriesJudge {
	j := seriesJudge{r: r, t: t, s: s, p: b.Practice, offer: b.Practice, now: now}
	if r.ByPractice {
		open := *b.Practice
		open.Policy.MinNotice = 0
		open.Policy.MaxDaysAhead = 10 * 366
		j.offer = &open
	}
	return j
}

// rules is what the client-facing rules make of a session at st (busy
// time aside). For a series the client makes, each broken rule is a
// conflict. For one the practice makes, only a time already past or one
// the clocks skip is; a day off, a holiday or a time outside working hours
// is a warning, and notice and horizon do not count.
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
		case j.closed(st):
			return "", ReasonHoliday
		case !withinHours(j.t, j.s, st, loc, 0):
			return "", ReasonOutsideHours
		}
		return "", ""
	}
	switch {
	case st.Before(j.now.Add(j.p.Policy.MinNotice)):
		return ReasonNotice, ""
	case j.t.OffOn(d):
		return ReasonDayOff, ""
	case j.closed(st):
		return ReasonHoliday, ""
	case shifted:
		return ReasonClockChange, ""
	case !withinHours(j.t, j.s, st, loc, j.p.Policy.SlotStep):
		return ReasonOutsideHours, ""
	case d.After(j.p.LastBookableDay(j.now)):
		return ReasonHorizon, ""
	}
	return "", ""
}

// closed reports whether the practice is closed to the therapist for a
// session at st: a holiday, or its eve past the hour it closes.
func (j seriesJudge) closed(st time.Time) bool {
	d := DateOf(st.In(j.p.Location))
	c, ok := j.p.ClosedFor(j.t, d)
	return ok && (c.AllDay() || st.Add(j.s.Duration).After(d.At(c.Until, j.p.Location)))
}

// withinHours reports whether a session of s at st lies within one of t's
// working spans that day and, with a step, is one of the start times
// offered there (FreeSlots steps in absolute time from a span's start).
func withinHours(t Therapist, s Service, st time.Time, loc *time.Location, step time.Duration) bool {
	d := DateOf(st.In(loc))
	for _, sp := range t.Hours[d.Weekday()] {
		from := d.At(sp.Start, loc)
		if !st.Before(from) && !st.Add(s.Duration).After(d.At(sp.End, loc)) && (step == 0 || st.Sub(from)%step == 0) {
			return true
		}
	}
	return false
}
