package tori

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// AllDayMode says what an all-day event of a therapist's own calendar does.
type AllDayMode string

// All-day modes.
const (
	AllDayBlock  AllDayMode = "block"  // the day is busy (the default)
	AllDayIgnore AllDayMode = "ignore" // the event is not busy time
)

// BusyCalendar is one of a therapist's own calendars: its events are times
// the therapist is busy, and no client may book them. Only the start and
// end of each event are kept.
type BusyCalendar struct {
	// URL is an ICS address (https; webcal:// is read as https), or a
	// CalDAV calendar's collection when CalDAV is set.
	URL    string
	CalDAV bool
	// User and PasswordEnv (the name of the environment variable holding
	// the password) sign in to a CalDAV server.
	User        string
	PasswordEnv string
	AllDay      AllDayMode
	// Owner is the calendar owner's e-mail: an invitation they declined is
	// not busy time.
	Owner string
}

// Source is the calendar's stable id among a therapist's sources (it names
// its busy times in storage): a digest of its address, which stays the
// same when sources are reordered and never shows the secret address.
func (c BusyCalendar) Source() string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(c.URL)))
	return hex.EncodeToString(sum[:6])
}

// validate checks the calendar's mode and sign-in; f names it
// ("therapists[0].busy_calendars[1]"). Its address is checked by the
// wiring, which may parse URLs.
func (c *BusyCalendar) validate(f string) error {
	if c.AllDay == "" {
		c.AllDay = AllDayBlock
	}
	switch {
	case strings.TrimSpace(c.URL) == "":
		return Errorf(EINVALID, "%s.url is empty: paste the calendar's secret ICS address (see docs/CALENDARS.md)", f)
	case c.AllDay != AllDayBlock && c.AllDay != AllDayIgnore:
		return Errorf(EINVALID, "%s.all_day is %q: use block (all-day events make the day busy) or ignore", f, c.AllDay)
	case c.CalDAV && (c.User == "" || c.PasswordEnv == ""):
		return Errorf(EINVALID, "%s.caldav needs user and password_env (the name of the environment variable that holds the password)", f)
	}
	return nil
}

// BusyPolicy is how the worker reads the therapists' own calendars.
type BusyPolicy struct {
	// Every is how often each calendar is read (default 5 min).
	Every time.Duration
	// StaleAfter is how long a calendar may fail before the therapist is
	// told (default 6 h); its last good busy times are kept meanwhile.
	StaleAfter time.Duration
}

// DefaultBusyPolicy are the defaults of BusyPolicy.
func DefaultBusyPolicy() BusyPolicy {
	return BusyPolicy{Every: 5 * time.Minute, StaleAfter: 6 * time.Hour}
}

// fillDefaults gives every setting left unset its default.
func (b *BusyPolicy) fillDefaults() {
	def := DefaultBusyPolicy()
	if b.Every == 0 {
		b.Every = def.Every
	}
	if b.StaleAfter == 0 {
		b.StaleAfter = def.StaleAfter
	}
}

// validate checks the policy and each therapist's calendars.
func (b BusyPolicy) validate(ts []Therapist) error {
	if b.Every < time.Minute || b.Every > 24*time.Hour {
		return Errorf(EINVALID, "busy_calendars.every is %s: use a duration from 1m to 24h, such as 5m", b.Every)
	}
	if b.StaleAfter < b.Every {
		return Errorf(EINVALID, "busy_calendars.stale_after is %s, shorter than busy_calendars.every (%s): use a longer one, such as 6h", b.StaleAfter, b.Every)
	}

	for i := range ts {
		seen := map[string]bool{}
		for k := range ts[i].BusyCalendars {
			c := &ts[i].BusyCalendars[k]
			f := fmt.Sprintf("therapists[%d].busy_calendars[%d]", i, k)
			if err := c.validate(f); err != nil {
				return err
			}
			if seen[c.Source()] {
				return Errorf(EINVALID, "%s.url is listed twice for %s: keep one", f, ts[i].Name)
			}
			seen[c.Source()] = true
		}
	}
	return nil
}

// BusyImport is one read of a therapist's calendar that changed: its busy
// times (start and end only) and what its address said of them, to ask
// "has it changed?" next time.
type BusyImport struct {
	Source       string // BusyCalendar.Source
	Intervals    []Interval
	ETag         string
	LastModified string
}

// BusyState is what is kept of a calendar's last good read.
type BusyState struct {
	ETag, LastModified string
	At                 time.Time // when it was last replaced (zero: never)
	Count              int       // busy intervals kept
	// FailingSince is when the reads began to fail (zero: the last read was
	// good), and LastError the last failure's error code.
	FailingSince time.Time
	LastError    string
}

// BusyOverlap is a busy time newly imported over a live hold or booking:
// the booking stays (an import never cancels one), and the therapist is
// told.
type BusyOverlap struct {
	Busy          Interval
	AppointmentID string
}
