package tori

import (
	"cmp"
	"slices"
	"time"
)

// Interval is a busy range of time, [Start, End).
type Interval struct {
	Start, End time.Time
	ID         string // what makes it busy (an appointment id), if known
}

// Today returns the practice's calendar day at now.
func (p *Practice) Today(now time.Time) Date { return DateOf(now.In(p.Location)) }

// LastBookableDay is the end of the booking horizon as seen at now.
func (p *Practice) LastBookableDay(now time.Time) Date {
	return p.Today(now).AddDays(p.Policy.MaxDaysAhead)
}

// FreeSlots returns the start times at which service s can be booked with
// therapist t on the days from..to (inclusive, practice time zone), given the
// therapist's busy intervals (each already including its buffer after) and the
// time now. It is a pure function.
//
// Start times step by the policy's slot step from the start of each working
// span, in absolute time, so that a session is exactly as long as its service
// on the days clocks change: on a spring-forward night a wall-clock hour that
// does not exist is not offered, and every slot is a real instant.
// A slot is offered when the session fits inside the span (on a holiday's
// eve, ends by the time the practice closes; on a holiday, none unless the
// therapist opens it), its session plus buffer overlaps nothing busy, it
// starts at least the minimum notice after now, and its day is within the
// booking horizon.
func FreeSlots(p *Practice, t Therapist, s Service, from, to Date, busy []Interval, now time.Time) []time.Time {
	return appendFreeSlots(nil, p, t, s, from, to, busy, now)
}

// appendFreeSlots is FreeSlots appending to dst (whose memory it reuses).
func appendFreeSlots(dst []time.Time, p *Practice, t Therapist, s Service, from, to Date, busy []Interval, now time.Time) []time.Time {
	out := dst
	today, last := p.Today(now), p.LastBookableDay(now)
	if from.Before(today) {
		from = today
	}
	if to.After(last) {
		to = last
	}
	if to.Before(from) {
		return out
	}

	merged := mergeIntervals(busy)
	earliest := now.Add(p.Policy.MinNotice)
	step := p.Policy.SlotStep
	j := 0 // first merged interval that may still matter

	// Every start on the step within each working span that is far enough
	// ahead and whose block (session and buffer) meets nothing busy.
	for d := from; !d.After(to); d = d.AddDays(1) {
		until := p.dayEnd(t, d) // a holiday closes the day, its eve at an hour
		if t.OffOn(d) || until == 0 {
			continue
		}
		for _, span := range t.Hours[d.Weekday()] {
			end := d.At(min(span.End, until), p.Location)
			for st := d.At(span.Start, p.Location); !st.Add(s.Duration).After(end); st = st.Add(step) {
				if st.Before(earliest) {
					continue
				}

				// Past the busy intervals that end before it: both go in time order.
				blockEnd := st.Add(s.Duration + s.BufferAfter)
				for j < len(merged) && !merged[j].End.After(st) {
					j++
				}
				if j < len(merged) && merged[j].Start.Before(blockEnd) {
					continue
				}
				out = append(out, st)
			}
		}
	}
	return out
}

// mergeIntervals returns the union of the intervals as sorted, disjoint
// intervals: in itself when it is so already (a therapist's bookings never
// overlap, so it mostly is), else a sorted, merged copy.
func mergeIntervals(in []Interval) []Interval {
	if len(in) == 0 {
		return nil
	}

	disjoint := true
	for i := 1; i < len(in) && disjoint; i++ {
		disjoint = in[i].Start.After(in[i-1].End)
	}
	if disjoint {
		return in
	}

	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	out := s[:1]
	for _, iv := range s[1:] {
		last := &out[len(out)-1]
		if !iv.Start.After(last.End) {
			if iv.End.After(last.End) {
				last.End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// SlotsByDay groups start times by their calendar day in loc, keeping order.
func SlotsByDay(slots []time.Time, loc *time.Location) map[Date][]time.Time {
	m := map[Date][]time.Time{}
	for _, s := range slots {
		d := DateOf(s.In(loc))
		m[d] = append(m[d], s)
	}
	return m
}

// Nearest returns up to n of slots closest to want (either side), in time order.
func Nearest(slots []time.Time, want time.Time, n int) []time.Time {
	s := slices.Clone(slots)
	dist := func(t time.Time) time.Duration {
		d := t.Sub(want)
		if d < 0 {
			return -d
		}
		return d
	}

	slices.SortStableFunc(s, func(a, b time.Time) int { return cmp.Compare(dist(a), dist(b)) })
	if len(s) > n {
		s = s[:n]
	}
	slices.SortFunc(s, func(a, b time.Time) int { return a.Compare(b) })
	return s
}
