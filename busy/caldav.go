package busy

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/tori-bot/tori"
)

// CalDAVRead is one CalDAV read: the busy times, or Unchanged when the
// collection's tag (getctag, else sync-token) is the one of the last read.
type CalDAVRead struct {
	Unchanged bool
	Intervals []tori.Interval
	Tag       string
	Skipped   int // objects the server sent that could not be parsed
}

// ReadCalDAV reads c's collection over [from, to): one PROPFIND for its
// tag, and when the tag is not prevTag, a calendar-query REPORT for the
// VEVENTs in range (UTC bounds, both ends), expanded as an ICS feed is.
// One object that does not parse fails a REPORT as a whole, so then the
// objects are fetched by href (calendar-multiget) and the bad ones skipped.
func (f *Fetcher) ReadCalDAV(ctx context.Context, c tori.BusyCalendar, password, prevTag string, from, to time.Time, o Options) (CalDAVRead, error) {
	addr, err := URL(c.URL)
	if err != nil {
		return CalDAVRead{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	hc := webdav.HTTPClientWithBasicAuth(&davClient{f: f, c: f.client()}, c.User, password)

	tag, err := collectionTag(ctx, hc, addr)
	if err != nil {
		return CalDAVRead{}, f.davError(err)
	}
	if tag != "" && tag == prevTag {
		return CalDAVRead{Unchanged: true, Tag: tag}, nil
	}

	cl, err := caldav.NewClient(hc, addr)
	if err != nil {
		return CalDAVRead{}, tori.WrapError(tori.EINVALID, err, "the CalDAV address cannot be read: check caldav.url")
	}
	u, err := url.Parse(addr)
	if err != nil {
		return CalDAVRead{}, tori.WrapError(tori.EINVALID, err, "the CalDAV address cannot be read: check caldav.url")
	}
	objs, skipped, err := query(ctx, cl, u.Path, from, to)
	if err != nil {
		return CalDAVRead{}, f.davError(err)
	}
	ivs, err := Read(joined(objs), from, to, o)
	if err != nil {
		return CalDAVRead{}, err
	}
	return CalDAVRead{Intervals: ivs, Tag: tag, Skipped: skipped}, nil
}

// query asks for the collection's VEVENTs in [from, to), falling back to
// calendar-multiget by href when the answer does not parse.
func query(ctx context.Context, cl *caldav.Client, dir string, from, to time.Time) ([]caldav.CalendarObject, int, error) {
	q := &caldav.CalendarQuery{
		CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		CompFilter: caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{
			{Name: "VEVENT", Start: from.UTC(), End: to.UTC()},
		}},
	}
	objs, err := cl.QueryCalendar(ctx, dir, q)
	if err == nil || isTori(err) {
		return objs, 0, err
	}

	files, err := cl.ReadDir(ctx, dir, false)
	if err != nil {
		return nil, 0, err
	}
	var hrefs []string
	for _, fi := range files {
		if !fi.IsDir {
			hrefs = append(hrefs, fi.Path)
		}
	}
	return multiGet(ctx, cl, dir, hrefs)
}

// multiGet fetches the objects at hrefs, halving a batch that does not
// parse until the bad objects stand alone, which are skipped: a few more
// requests per bad object, not one per object.
func multiGet(ctx context.Context, cl *caldav.Client, dir string, hrefs []string) ([]caldav.CalendarObject, int, error) {
	if len(hrefs) == 0 {
		return nil, 0, nil
	}
	req := &caldav.CalendarMultiGet{Paths: hrefs, CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true}}
	objs, err := cl.MultiGetCalendar(ctx, dir, req)
	switch {
	case err == nil || isTori(err):
		return objs, 0, err
	case len(hrefs) == 1:
		return nil, 1, nil
	}

	half := len(hrefs) / 2
	a, skipA, err := multiGet(ctx, cl, dir, hrefs[:half])
	if err != nil {
		return nil, 0, err
	}
	b, skipB, err := multiGet(ctx, cl, dir, hrefs[half:])
	return append(a, b...), skipA + skipB, err
}

// isTori reports whether err is an answer (a status, a transport error)
// rather than something that did not parse.
func isTori(err error) bool {
	var te *tori.Error
	return errors.As(err, &te)
}

// joined is the objects' components in one VCALENDAR, to read as a feed.
func joined(objs []caldav.CalendarObject) []byte {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//tori//caldav//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	for _, o := range objs {
		if o.Data != nil {
			cal.Children = append(cal.Children, o.Data.Children...)
		}
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	}
	return buf.Bytes()
}

// propfindTag asks a collection for its change tags.
const propfindTag = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>`

// tagAnswer is the part of a PROPFIND multistatus the tag is in.
type tagAnswer struct {
	Props []struct {
		CTag      string `xml:"http://calendarserver.org/ns/ getctag"`
		SyncToken string `xml:"DAV: sync-token"`
	} `xml:"response>propstat>prop"`
}

// collectionTag is the collection's getctag, else its sync-token, else ""
// (a server with neither is read in full each time).
func collectionTag(ctx context.Context, hc webdav.HTTPClient, addr string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "PROPFIND", addr, strings.NewReader(propfindTag))
	if err != nil {
		return "", tori.WrapError(tori.EINVALID, err, "the CalDAV address cannot be read: check caldav.url")
	}
	req.Header.Set("Depth", "0")
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()

	var a tagAnswer
	if err := xml.NewDecoder(resp.Body).Decode(&a); isTori(err) {
		return "", err
	} else if err != nil {
		return "", tori.WrapError(tori.EINVALID, err, "the CalDAV address did not answer as a CalDAV server: check caldav.url (the calendar's collection, not its web page)")
	}
	for _, p := range a.Props {
		if t := strings.TrimSpace(p.CTag); t != "" {
			return "ctag:" + t, nil
		}
		if t := strings.TrimSpace(p.SyncToken); t != "" {
			return "sync:" + t, nil
		}
	}
	return "", nil
}

// davClient is the http client under go-webdav: each status that is not a
// success becomes a tori error a therapist can act on, and each body is
// cut at the fetch's size limit.
type davClient struct {
	f *Fetcher
	c *http.Client
}

func (d *davClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, d.f.transportError(err)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			return nil, tori.Errorf(tori.EFORBIDDEN, "the calendar refused the user name or password: check caldav.user and the password in its environment variable (an app password for iCloud and Fastmail)")
		}
		return nil, statusError(resp.StatusCode)
	}
	max := d.f.maxBytes()
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, tooBig(max)
	}
	resp.Body = &capped{rc: resp.Body, left: max + 1, max: max}
	return resp, nil
}

// capped fails a read past the size limit.
type capped struct {
	rc        io.ReadCloser
	left, max int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, tooBig(c.max)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return n, tooBig(c.max)
	}
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }

// davError keeps a tori error as it is, and says that anything else (an
// answer go-webdav could not read) is the server's.
func (f *Fetcher) davError(err error) error {
	if isTori(err) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return tori.WrapError(tori.EUNAVAILABLE, err, "the CalDAV server did not answer within %s: tori will try again", f.timeout())
	}
	return tori.WrapError(tori.EUNAVAILABLE, err, "the CalDAV server's answer could not be read: tori will try again")
}
