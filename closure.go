package tori

import (
	"slices"
)

// Closure is a day the practice closes for a holiday, or closes early on:
// the eve of one (erev chag). The wiring computes them (package hebrew) from
// practice.holidays; the root only reads them.
type Closure struct {
	Date  Date
	Names map[string]string // the holiday's (or its eve's) name per language
	// Until is when the day's work ends on an eve; 0 is closed all day.
	Until Minute
}

// Name returns the closure's name in lang, or in fallback.
func (c Closure) Name(lang, fallback string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	return c.Names[fallback]
}

// AllDay reports whether nothing is open on the closure's day.
func (c Closure) AllDay() bool { return c.Until == 0 }

// OpensOn reports whether the therapist works on d though the practice is
// closed or closes early then (Therapist.OpenOn).
func (t Therapist) OpensOn(d Date) bool { return slices.Contains(t.OpenOn, d) }

// ClosureOn returns the practice's closure on d, if any (Closures sorted).
func (p *Practice) ClosureOn(d Date) (Closure, bool) {
	i, ok := slices.BinarySearchFunc(p.Closures, d, func(c Closure, d Date) int { return c.Date.Compare(d) })
	if !ok {
		return Closure{}, false
	}
	return p.Closures[i], true
}

// ClosedFor returns the closure that holds for therapist t on d: the
// practice's, unless t opens that day.
func (p *Practice) ClosedFor(t Therapist, d Date) (Closure, bool) {
	if len(p.Closures) == 0 || t.OpensOn(d) {
		return Closure{}, false
	}
	return p.ClosureOn(d)
}

// dayEnd is the latest wall-clock minute t works until on d: the end of the
// day, an eve's closing time, or 0 when the practice is closed all day.
func (p *Practice) dayEnd(t Therapist, d Date) Minute {
	if c, ok := p.ClosedFor(t, d); ok {
		return c.Until
	}
	return 24 * 60
}
