package busytest

import (
	"sort"
	"strings"
)

// Provider is whose export a feed is shaped like.
type Provider string

// Providers.
const (
	Google  Provider = "google"  // TZID=Asia/Jerusalem, the owner's address as X-WR-CALNAME
	Outlook Provider = "outlook" // Windows zone names, a VTIMEZONE from 1601, X-MICROSOFT-CDO-BUSYSTATUS
	ICloud  Provider = "icloud"  // webcal:// links, X-APPLE-* lines, X-LIC-LOCATION
)

// Owner is the Google calendar's owner (its X-WR-CALNAME, as Google writes it).
const Owner = "dana.therapist@gmail.com"

// Case is one kind of event a real feed holds, in one provider's shape.
type Case struct {
	Name     string
	Provider Provider
	Events   string // VEVENTs (and any VTIMEZONE of its own), LF line ends
}

// Cases are every case the fake serves, by name.
var Cases = map[string]Case{}

func add(p Provider, name, events string) {
	Cases[name] = Case{Name: name, Provider: p, Events: events}
}

// Names are the cases' names, sorted.
func Names() []string {
	var out []string
	for n := range Cases {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Feed is a provider's whole calendar with the given cases' events, CRLF
// line ends and long lines folded, as the providers send them.
func Feed(p Provider, names ...string) []byte {
	var b strings.Builder
	b.WriteString(headers[p])
	for _, n := range names {
		b.WriteString(Cases[n].Events)
	}
	b.WriteString("END:VCALENDAR\n")
	return []byte(fold(b.String()))
}

// All is a provider's calendar with every one of its cases.
func All(p Provider) []byte {
	var names []string
	for _, n := range Names() {
		if Cases[n].Provider == p {
			names = append(names, n)
		}
	}
	return Feed(p, names...)
}

// fold ends lines in CRLF and folds those over 75 octets (RFC 5545 3.1).
func fold(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		for len(line) > 75 {
			b.WriteString(line[:75] + "\r\n ")
			line = line[75:]
		}
		b.WriteString(line + "\r\n")
	}
	return b.String()
}

var headers = map[Provider]string{
	Google: `BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:` + Owner + `
X-WR-TIMEZONE:Asia/Jerusalem
BEGIN:VTIMEZONE
TZID:Asia/Jerusalem
X-LIC-LOCATION:Asia/Jerusalem
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:IDT
DTSTART:19700327T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:IST
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
`,
	Outlook: `BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
X-WR-CALNAME:Calendar
BEGIN:VTIMEZONE
TZID:Israel Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=4FR;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:(UTC+02:00) Jerusalem
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1FR;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
`,
	ICloud: `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 15.1//EN
CALSCALE:GREGORIAN
X-WR-CALNAME:Home
X-APPLE-CALENDAR-COLOR:#34AADC
X-WR-TIMEZONE:Asia/Jerusalem
BEGIN:VTIMEZONE
TZID:Asia/Jerusalem
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR
DTSTART:20130329T020000
TZNAME:IDT
TZOFFSETTO:+0300
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:20131027T020000
TZNAME:IST
TZOFFSETTO:+0200
END:STANDARD
END:VTIMEZONE
`,
}
