package busytest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// CalDAV user, password and the calendar's collection path on the fake.
const (
	CalDAVUser     = "dana"
	CalDAVPassword = "app-password"
	CalDAVPath     = "/dav/dana/work/"
)

// Broken marks the object the fake sends unparsable: go-webdav's server
// writes only valid objects, so the fake breaks this one on the way out
// (a line without a colon), as a server holding a malformed object would.
const Broken = "X-TORI-BROKEN:yes"

// CalDAVEvents are the fake calendar's objects, by name: a weekly series
// with a moved and a cancelled occurrence, a one-off, a cancelled event,
// and an object that does not parse.
var CalDAVEvents = map[string]string{
	"weekly.ics": `BEGIN:VEVENT
UID:weekly-supervision
DTSTAMP:20261201T080000Z
DTSTART:20261201T090000Z
DTEND:20261201T100000Z
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:weekly-supervision
DTSTAMP:20261201T080000Z
RECURRENCE-ID:20261208T090000Z
DTSTART:20261208T130000Z
DTEND:20261208T140000Z
END:VEVENT
BEGIN:VEVENT
UID:weekly-supervision
DTSTAMP:20261201T080000Z
RECURRENCE-ID:20261215T090000Z
STATUS:CANCELLED
DTSTART:20261215T090000Z
DTEND:20261215T100000Z
END:VEVENT`,
	"doctor.ics": `BEGIN:VEVENT
UID:doctor
DTSTAMP:20261201T080000Z
DTSTART:20261203T120000Z
DTEND:20261203T123000Z
END:VEVENT`,
	"cancelled.ics": `BEGIN:VEVENT
UID:cancelled-play
DTSTAMP:20261201T080000Z
STATUS:CANCELLED
DTSTART:20261204T150000Z
DTEND:20261204T160000Z
END:VEVENT`,
	"broken.ics": `BEGIN:VEVENT
UID:broken
DTSTAMP:20261201T080000Z
DTSTART:20261205T090000Z
DTEND:20261205T100000Z
` + Broken + `
END:VEVENT`,
}

// CalDAV is a fake CalDAV server: go-webdav's own server (caldav.Handler)
// over an in-memory calendar, with basic auth, a getctag that changes with
// each Put, request counts by method, and a switch to answer 500.
type CalDAV struct {
	*httptest.Server

	mu       sync.Mutex
	ctag     int
	objects  map[string]caldav.CalendarObject
	requests map[string]int
	fail     int
	slow     bool
	query    *caldav.CompFilter
}

// NewCalDAV starts the fake with CalDAVEvents (Broken's object unparsable
// when broken is set) and stops it when tb ends.
func NewCalDAV(tb testing.TB, broken bool) *CalDAV {
	tb.Helper()
	s := &CalDAV{ctag: 1, objects: map[string]caldav.CalendarObject{}, requests: map[string]int{}}
	for name, ev := range CalDAVEvents {
		if !broken && strings.Contains(ev, Broken) {
			continue
		}
		if err := s.Put(name, ev); err != nil {
			tb.Fatal(err)
		}
	}
	h := &caldav.Handler{Backend: &backend{s: s}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(h, w, r) }))
	tb.Cleanup(s.Close)
	return s
}

// CalendarURL is the calendar collection's address.
func (s *CalDAV) CalendarURL() string { return s.Server.URL + CalDAVPath }

// Put stores (or replaces) object name from VEVENT text and changes the
// collection's ctag.
func (s *CalDAV) Put(name, events string) error {
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//busytest//EN\r\n" + strings.ReplaceAll(events, "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctag++
	p := CalDAVPath + name
	s.objects[p] = caldav.CalendarObject{Path: p, ModTime: LastModified, ContentLength: int64(len(text)), ETag: strconv.Itoa(s.ctag), Data: cal}
	return nil
}

// Requests is how many requests of method the fake answered.
func (s *CalDAV) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[method]
}

// Fail makes the fake answer 500 to the next n requests.
func (s *CalDAV) Fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Slow makes the fake answer nothing until the client gives up.
func (s *CalDAV) Slow(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = on
}

// LastQuery is the VEVENT filter of the last calendar-query.
func (s *CalDAV) LastQuery() *caldav.CompFilter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.query
}

// serve counts, checks the password, answers the tag PROPFIND (go-webdav's
// server has no getctag) and breaks the Broken object on its way out.
func (s *CalDAV) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.Method]++
	fail, slow := s.fail > 0, s.slow
	s.fail--
	ctag := s.ctag
	s.mu.Unlock()
	if slow {
		io.Copy(io.Discard, r.Body) // read in full, the server sees the client hang up
		<-r.Context().Done()
		return
	}

	user, pw, ok := r.BasicAuth()
	switch {
	case fail:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case !ok || user != CalDAVUser || pw != CalDAVPassword:
		w.Header().Set("WWW-Authenticate", `Basic realm="busytest"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	case r.Method == "PROPFIND" && r.Header.Get("Depth") == "0" && path.Clean(r.URL.Path)+"/" == CalDAVPath:
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:response><d:href>` + CalDAVPath + `</d:href><d:propstat><d:prop><cs:getctag>` + strconv.Itoa(ctag) + `</cs:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`))
		return
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(Broken), []byte("X-TORI-BROKEN yes")))
}

// backend is the in-memory caldav.Backend of the fake: one user, one
// calendar.
type backend struct{ s *CalDAV }

func (b *backend) CurrentUserPrincipal(context.Context) (string, error) { return "/dav/dana/", nil }
func (b *backend) CalendarHomeSetPath(context.Context) (string, error)  { return "/dav/dana/", nil }
func (b *backend) CreateCalendar(context.Context, *caldav.Calendar) error {
	return http.ErrNotSupported
}

func (b *backend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	return []caldav.Calendar{{Path: CalDAVPath, Name: "Work", SupportedComponentSet: []string{"VEVENT"}}}, nil
}

func (b *backend) GetCalendar(_ context.Context, p string) (*caldav.Calendar, error) {
	return &caldav.Calendar{Path: CalDAVPath, Name: "Work", SupportedComponentSet: []string{"VEVENT"}}, nil
}

func (b *backend) GetCalendarObject(_ context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	o, ok := b.s.objects[p]
	if !ok {
		return nil, webdav.NewHTTPError(http.StatusNotFound, nil)
	}
	return &o, nil
}

func (b *backend) ListCalendarObjects(context.Context, string, *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	out := make([]caldav.CalendarObject, 0, len(b.s.objects))
	for _, o := range b.s.objects {
		out = append(out, o)
	}
	return out, nil
}

// QueryCalendarObjects keeps the filter and answers every object: a server
// may answer more than asked, and the client expands over its window.
func (b *backend) QueryCalendarObjects(ctx context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	b.s.mu.Lock()
	if len(q.CompFilter.Comps) > 0 {
		f := q.CompFilter.Comps[0]
		b.s.query = &f
	}
	b.s.mu.Unlock()
	return b.ListCalendarObjects(ctx, p, nil)
}

func (b *backend) PutCalendarObject(context.Context, string, *ical.Calendar, *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	return nil, http.ErrNotSupported
}

func (b *backend) DeleteCalendarObject(context.Context, string) error { return http.ErrNotSupported }

// Window is the fake calendar's events' month, for reads.
var Window = [2]time.Time{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
