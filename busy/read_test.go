package busy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/busy/busytest"
)

var jerusalem = mustZone("Asia/Jerusalem")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// The window every case is read over: today to past the spring clock change.
var (
	windowFrom = time.Date(2026, 12, 6, 0, 0, 0, 0, jerusalem)
	windowTo   = time.Date(2027, 4, 10, 0, 0, 0, 0, jerusalem)
)

// readCases are what each of busytest's cases blocks, in Jerusalem wall
// time: "2026-12-08 14:00/15:00", or "2026-12-18 00:00/2026-12-20 00:00".
var readCases = map[string][]string{
	"google-single":             {"2026-12-08 14:00/15:00"},
	"google-utc":                {"2026-12-09 14:00/15:00"},
	"google-weekly-count":       {"2026-12-08 09:00/09:30", "2026-12-15 09:00/09:30", "2026-12-22 09:00/09:30"},
	"google-until-date":         {"2026-12-10 07:00/07:30", "2026-12-11 07:00/07:30", "2026-12-12 07:00/07:30"},
	"google-until-utc":          {"2026-12-13 07:00/07:30", "2026-12-14 07:00/07:30", "2026-12-15 07:00/07:30"},
	"google-interval":           {"2026-12-07 20:00/21:00", "2026-12-09 20:00/21:00", "2026-12-21 20:00/21:00", "2026-12-23 20:00/21:00"},
	"google-byday-ordinal":      {"2026-12-10 11:30/12:30", "2026-12-25 08:00/08:30", "2027-01-14 11:30/12:30", "2027-01-29 08:00/08:30", "2027-02-11 11:30/12:30"},
	"google-bymonthday":         {"2026-12-15 19:00/20:00", "2027-01-15 19:00/20:00", "2027-02-15 19:00/20:00"},
	"google-bysetpos":           {"2026-12-31 16:00/17:00", "2027-01-29 16:00/17:00", "2027-02-26 16:00/17:00"},
	"google-exdate":             {"2026-12-13 10:00/11:00", "2026-12-27 10:00/11:00", "2027-01-03 10:00/11:00"},
	"google-exdate-date":        {"2026-12-13 12:00/12:30", "2027-01-03 12:00/12:30"},
	"google-rdate":              {"2026-12-14 16:00/17:00", "2026-12-16 16:00/17:00", "2026-12-17 16:00/17:00"},
	"google-override":           {"2026-12-14 12:00/13:00", "2026-12-22 18:00/19:00", "2026-12-28 12:00/13:00"},
	"google-cancelled-instance": {"2026-12-16 17:00/18:00", "2026-12-30 17:00/18:00"},
	"google-all-day":            {"2026-12-18 00:00/2026-12-20 00:00"},
	"google-transparent":        nil,
	"google-cancelled":          nil,
	"google-declined":           {"2026-12-30 14:00/15:00"},
	"google-tori-feed":          nil,
	"google-dst":                {"2027-03-19 08:30/09:30", "2027-03-26 08:30/09:30", "2027-04-02 08:30/09:30"},
	"google-floating":           {"2027-01-04 09:00/10:00"},
	"google-duration":           {"2027-01-05 09:00/10:30"},
	"google-endless":            weekly("2026-12-09 07:00/07:15", 18),
	"outlook-windows-zone":      {"2026-12-08 10:00/11:00"},
	"outlook-free":              nil,
	"outlook-tentative":         {"2026-12-10 10:00/11:00"},
	"outlook-custom-zone":       {"2027-03-18 10:00/11:00", "2027-03-25 10:00/11:00", "2027-04-01 10:00/11:00"},
	"outlook-exdate":            {"2026-12-14 15:00/16:00", "2026-12-28 15:00/16:00"},
	"outlook-all-day-free":      {"2026-12-31 00:00/2027-01-01 00:00"},
	"icloud-timed":              {"2026-12-11 11:30/13:00"},
	"icloud-all-day":            {"2027-01-06 00:00/2027-01-08 00:00"},
	"icloud-mozilla-zone":       {"2026-12-15 08:00/08:30"},
	"icloud-lowercase":          {"2026-12-16 08:00/08:30"},
}

// TestReadCases reads each case from the fake host through a real fetch
// and checks the busy times, to the minute and in UTC.
func TestReadCases(t *testing.T) {
	srv := busytest.New(t, false)
	f := &busy.Fetcher{Client: srv.Client()}
	if len(readCases) != len(busytest.Cases) {
		t.Fatalf("%d cases checked of %d served: give each case its want", len(readCases), len(busytest.Cases))
	}

	for _, name := range busytest.Names() {
		t.Run(name, func(t *testing.T) {
			want, ok := readCases[name]
			if !ok {
				t.Fatalf("no want for case %s", name)
			}
			got := mustRead(t, f, srv.URL+"/case/"+name+".ics", busy.Options{Zone: jerusalem})
			if g, w := show(got), show(parseWant(t, want)); g != w {
				t.Errorf("busy times:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// TestReadAllDayIgnore: all_day: ignore drops all-day events, and only them.
func TestReadAllDayIgnore(t *testing.T) {
	for _, name := range []string{"google-all-day", "icloud-all-day", "outlook-all-day-free"} {
		c := busytest.Cases[name]
		got, err := busy.Read(busytest.Feed(c.Provider, name), windowFrom, windowTo, busy.Options{Zone: jerusalem, AllDay: tori.AllDayIgnore})
		if err != nil || len(got) != 0 {
			t.Errorf("%s with all_day ignore: %v, %v; want no busy times", name, show(got), err)
		}
	}
	got, _ := busy.Read(busytest.Feed(busytest.Google, "google-single"), windowFrom, windowTo, busy.Options{Zone: jerusalem, AllDay: tori.AllDayIgnore})
	if len(got) != 1 {
		t.Errorf("a timed event with all_day ignore: %s; want it busy", show(got))
	}
}

// TestReadWholeFeeds: a provider's whole feed is the union of its cases.
func TestReadWholeFeeds(t *testing.T) {
	for _, p := range []busytest.Provider{busytest.Google, busytest.Outlook, busytest.ICloud} {
		var want []string
		for _, name := range busytest.Names() {
			if busytest.Cases[name].Provider == p {
				want = append(want, readCases[name]...)
			}
		}
		got, err := busy.Read(busytest.All(p), windowFrom, windowTo, busy.Options{Zone: jerusalem})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if g, w := show(got), show(merged(parseWant(t, want))); g != w {
			t.Errorf("%s:\n got %s\nwant %s", p, g, w)
		}
	}
}

// TestReadOwner: a declined invitation counts only for a configured owner
// when the calendar is not named by the owner's address (iCloud, Outlook).
func TestReadOwner(t *testing.T) {
	feed := strings.Replace(string(busytest.Feed(busytest.Google, "google-declined")), "X-WR-CALNAME:"+busytest.Owner, "X-WR-CALNAME:Work", 1)
	got, _ := busy.Read([]byte(feed), windowFrom, windowTo, busy.Options{Zone: jerusalem})
	if len(got) != 2 {
		t.Errorf("without a known owner: %s; want both invitations busy", show(got))
	}
	got, _ = busy.Read([]byte(feed), windowFrom, windowTo, busy.Options{Zone: jerusalem, Owners: []string{strings.ToUpper(busytest.Owner)}})
	if len(got) != 1 {
		t.Errorf("with the owner configured: %s; want only the accepted one", show(got))
	}
}

// TestReadWindow: only what overlaps [from, to) is read, an event across
// an edge whole.
func TestReadWindow(t *testing.T) {
	from := time.Date(2026, 12, 18, 12, 0, 0, 0, jerusalem)
	to := time.Date(2026, 12, 19, 0, 0, 0, 0, jerusalem)
	got, err := busy.Read(busytest.All(busytest.Google), from, to, busy.Options{Zone: jerusalem})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := show(got), show(parseWant(t, []string{"2026-12-18 00:00/2026-12-20 00:00"})); g != w {
		t.Errorf("got %s, want %s", g, w)
	}
}

// TestReadNotACalendar: a body without a whole VCALENDAR is an error, never
// an empty set of busy times.
func TestReadNotACalendar(t *testing.T) {
	full := busytest.All(busytest.Google)
	for name, body := range map[string][]byte{
		"empty":     nil,
		"html":      []byte("<html><body>Sign in</body></html>"),
		"truncated": full[:len(full)/2],
	} {
		if got, err := busy.Read(body, windowFrom, windowTo, busy.Options{Zone: jerusalem}); err == nil || tori.ErrorCode(err) != tori.EINVALID {
			t.Errorf("%s: %s, %v; want an EINVALID error", name, show(got), err)
		}
	}
	if got, err := busy.Read([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), windowFrom, windowTo, busy.Options{Zone: jerusalem}); err != nil || len(got) != 0 {
		t.Errorf("an empty calendar: %s, %v; want no busy times and no error", show(got), err)
	}
}

func mustRead(t *testing.T, f *busy.Fetcher, url string, o busy.Options) []tori.Interval {
	t.Helper()
	got, err := f.Fetch(context.Background(), url, busy.Validators{})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	ivs, err := busy.Read(got.Body, windowFrom, windowTo, o)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return ivs
}

// weekly is n weeks of one "date hh:mm/hh:mm" interval.
func weekly(first string, n int) []string {
	day, times, _ := strings.Cut(first, " ")
	d, _ := time.Parse("2006-01-02", day)
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, d.AddDate(0, 0, 7*i).Format("2006-01-02")+" "+times)
	}
	return out
}

func parseWant(t *testing.T, want []string) []tori.Interval {
	t.Helper()
	var out []tori.Interval
	for _, w := range want {
		start, end, _ := strings.Cut(w, "/")
		s, err := time.ParseInLocation("2006-01-02 15:04", start, jerusalem)
		if err != nil {
			t.Fatalf("want %q: %v", w, err)
		}
		if len(end) == 5 {
			end = start[:11] + end
		}
		e, err := time.ParseInLocation("2006-01-02 15:04", end, jerusalem)
		if err != nil {
			t.Fatalf("want %q: %v", w, err)
		}
		out = append(out, tori.Interval{Start: s, End: e})
	}
	return out
}

// merged sorts and joins want's intervals as Read does.
func merged(in []tori.Interval) []tori.Interval {
	out := append([]tori.Interval(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Start.Before(out[j-1].Start); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	var m []tori.Interval
	for _, iv := range out {
		if n := len(m); n > 0 && !iv.Start.After(m[n-1].End) {
			if iv.End.After(m[n-1].End) {
				m[n-1].End = iv.End
			}
			continue
		}
		m = append(m, iv)
	}
	return m
}

// show writes intervals in UTC, one per line, for a readable diff.
func show(ivs []tori.Interval) string {
	var b strings.Builder
	for _, iv := range ivs {
		fmt.Fprintf(&b, "\n  %s – %s", iv.Start.UTC().Format("2006-01-02 15:04Z"), iv.End.UTC().Format("2006-01-02 15:04Z"))
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}
