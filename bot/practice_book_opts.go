package bot

import (
	"strconv"
	"strings"
)

// forOpts is how the practice books a time for a client, as far as it
// has chosen (the last argument of vForBook): once, or every week or
// every other week with how many sessions; and the answers to what it
// was asked on the way.
type forOpts struct {
	every  int  // 0: once; 1 or 2: weeks between the sessions of a series
	count  int  // a series' sessions: 0 until further notice, -1 not chosen yet
	anyway bool // "book anyway": a time outside the client-facing rules
	pay    byte // a service paid online: 'b' a pay button, 's' at the session, 0 not chosen
	skip   bool // a series' weeks in conflict are skipped, not moved to the nearest free time
	do     bool // a series: book the weeks as shown
}

// String writes the options for callback data: "o" (once) or "1"/"2"
// (every week, every other week) and how many ("112", "10" until further
// notice; none yet: "1"), then the flags a, b or s, k, y in that order:
// at most 8 characters.
func (o forOpts) String() string {
	var b strings.Builder
	switch o.every {
	case 0:
		b.WriteByte('o')
	default:
		b.WriteString(strconv.Itoa(o.every))
		if o.count >= 0 {
			b.WriteString(strconv.Itoa(o.count))
		}
	}
	for _, f := range []struct {
		on bool
		c  byte
	}{{o.anyway, 'a'}, {o.pay != 0, o.pay}, {o.skip, 'k'}, {o.do, 'y'}} {
		if f.on {
			b.WriteByte(f.c)
		}
	}
	return b.String()
}

// parseForOpts reads what forOpts.String writes, and nothing else.
func parseForOpts(v string) (forOpts, bool) {
	if v == "" || len(v) > 8 {
		return forOpts{}, false
	}
	o, rest, ok := parseForKind(v)
	if !ok {
		return forOpts{}, false
	}
	for _, f := range []struct {
		c   byte
		set func()
	}{{'a', func() { o.anyway = true }}, {'b', func() { o.pay = 'b' }}, {'s', func() { o.pay = 's' }}, {'k', func() { o.skip = true }}, {'y', func() { o.do = true }}} {
		if rest != "" && rest[0] == f.c {
			f.set()
			rest = rest[1:]
		}
	}
	return o, rest == "" && o.String() == v // (String writes one of b and s: "bs" is refused)
}

// parseForKind reads the head of forOpts: once, or a series' rhythm and
// how many sessions, if chosen; rest is the flags after it.
func parseForKind(v string) (o forOpts, rest string, ok bool) {
	o.count, rest = -1, v[1:]
	switch v[0] {
	case 'o':
		return o, rest, true
	case '1', '2':
		o.every = int(v[0] - '0')
	default:
		return o, rest, false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 {
		return o, rest, true
	}
	c, err := strconv.Atoi(rest[:n])
	o.count = c
	return o, rest[n:], err == nil && strconv.Itoa(c) == rest[:n] && c != 1 && c <= maxSeriesWeeks
}

// with returns o changed by set (for the next button).
func (o forOpts) with(set func(*forOpts)) forOpts {
	set(&o)
	return o
}
