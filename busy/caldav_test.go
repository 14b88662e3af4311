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

// caldavWant are the fake calendar's busy times in December: the weekly
// supervision (moved on the 8th, cancelled on the 15th) and the doctor.
const caldavWant = "12-01 09:00-10:00, 12-03 12:00-12:30, 12-08 13:00-14:00, 12-22 09:00-10:00"

func readCalDAV(t *testing.T, s *busytest.CalDAV, password, prevTag string) (busy.CalDAVRead, error) {
	t.Helper()
	f := &busy.Fetcher{Timeout: 5 * time.Second}
	c := tori.BusyCalendar{URL: s.CalendarURL(), CalDAV: true, User: busytest.CalDAVUser, PasswordEnv: "X"}
	return f.ReadCalDAV(context.Background(), c, password, prevTag, busytest.Window[0], busytest.Window[1], busy.Options{Zone: time.UTC})
}

func spans(ivs []tori.Interval) string {
	var out []string
	for _, iv := range ivs {
		out = append(out, fmt.Sprintf("%s-%s", iv.Start.UTC().Format("01-02 15:04"), iv.End.UTC().Format("15:04")))
	}
	return strings.Join(out, ", ")
}

func TestCalDAVRead(t *testing.T) {
	s := busytest.NewCalDAV(t, false)
	got, err := readCalDAV(t, s, busytest.CalDAVPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if spans(got.Intervals) != caldavWant || got.Skipped != 0 || got.Tag == "" {
		t.Fatalf("read %q (skipped %d, tag %q), want %q", spans(got.Intervals), got.Skipped, got.Tag, caldavWant)
	}

	// The REPORT asks for VEVENTs in the window, both ends set, in UTC.
	q := s.LastQuery()
	if q == nil || q.Name != "VEVENT" || !q.Start.Equal(busytest.Window[0]) || !q.End.Equal(busytest.Window[1]) {
		t.Fatalf("query filter %+v, want VEVENT in %v", q, busytest.Window)
	}
}

func TestCalDAVUnchanged(t *testing.T) {
	s := busytest.NewCalDAV(t, false)
	first, err := readCalDAV(t, s, busytest.CalDAVPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	props, reports := s.Requests("PROPFIND"), s.Requests("REPORT")

	again, err := readCalDAV(t, s, busytest.CalDAVPassword, first.Tag)
	if err != nil || !again.Unchanged {
		t.Fatalf("second read: unchanged %v, err %v", again.Unchanged, err)
	}
	if s.Requests("PROPFIND") != props+1 || s.Requests("REPORT") != reports {
		t.Fatalf("an unchanged read made %d PROPFIND and %d REPORT, want 1 and 0", s.Requests("PROPFIND")-props, s.Requests("REPORT")-reports)
	}

	// A changed calendar is read again.
	if err := s.Put("dentist.ics", "BEGIN:VEVENT\nUID:dentist\nDTSTAMP:20261201T080000Z\nDTSTART:20261210T070000Z\nDTEND:20261210T080000Z\nEND:VEVENT"); err != nil {
		t.Fatal(err)
	}
	changed, err := readCalDAV(t, s, busytest.CalDAVPassword, first.Tag)
	if err != nil || changed.Unchanged || !strings.Contains(spans(changed.Intervals), "12-10 07:00-08:00") {
		t.Fatalf("after a change: %q unchanged %v err %v", spans(changed.Intervals), changed.Unchanged, err)
	}
}

func TestCalDAVBadObjectSkipped(t *testing.T) {
	s := busytest.NewCalDAV(t, true)
	got, err := readCalDAV(t, s, busytest.CalDAVPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if spans(got.Intervals) != caldavWant || got.Skipped != 1 {
		t.Fatalf("read %q skipped %d, want %q and 1 skipped", spans(got.Intervals), got.Skipped, caldavWant)
	}
}

func TestCalDAVFailures(t *testing.T) {
	s := busytest.NewCalDAV(t, false)
	_, err := readCalDAV(t, s, "wrong", "")
	if tori.ErrorCode(err) != tori.EFORBIDDEN || !strings.HasPrefix(tori.ErrorMessage(err), "the calendar refused the user name or password") {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(tori.ErrorMessage(err), "wrong") {
		t.Fatal("the message shows the password")
	}

	s.Fail(1)
	if _, err := readCalDAV(t, s, busytest.CalDAVPassword, ""); tori.ErrorCode(err) != tori.EUNAVAILABLE {
		t.Fatalf("500: %v", err)
	}
	s.Fail(0)

	// Through the worker's Reader: no password set, then the password.
	f := &busy.Fetcher{}
	read := busy.Reader(f, time.UTC)
	c := tori.BusyCalendar{URL: s.CalendarURL(), CalDAV: true, User: busytest.CalDAVUser, PasswordEnv: "TORI_TEST_CALDAV"}
	if _, _, err := read(context.Background(), tori.Therapist{}, c, tori.BusyState{}, busytest.Window[0], busytest.Window[1]); tori.ErrorCode(err) != tori.EINVALID || !strings.Contains(tori.ErrorMessage(err), "TORI_TEST_CALDAV") {
		t.Fatalf("no password: %v", err)
	}
	f.Passwords = map[string]string{"TORI_TEST_CALDAV": busytest.CalDAVPassword}
	imp, unchanged, err := read(context.Background(), tori.Therapist{}, c, tori.BusyState{}, busytest.Window[0], busytest.Window[1])
	if err != nil || unchanged || spans(imp.Intervals) != caldavWant || imp.ETag == "" {
		t.Fatalf("through Reader: %q %v %v", spans(imp.Intervals), unchanged, err)
	}
}

// TestCalDAVBodyLimit: the fetch's size limit holds for a CalDAV answer.
func TestCalDAVBodyLimit(t *testing.T) {
	s := busytest.NewCalDAV(t, false)
	f := &busy.Fetcher{MaxBytes: 1000}
	c := tori.BusyCalendar{URL: s.CalendarURL(), CalDAV: true, User: busytest.CalDAVUser}
	_, err := f.ReadCalDAV(context.Background(), c, busytest.CalDAVPassword, "", busytest.Window[0], busytest.Window[1], busy.Options{})
	if tori.ErrorCode(err) != tori.ELIMIT || s.Requests("REPORT") != 1 {
		t.Fatalf("a REPORT over the limit: %v (%d REPORTs)", err, s.Requests("REPORT"))
	}
}

// TestCalDAVTimeout: a server that does not answer is given up on at the
// fetch's timeout, in words that say tori will try again.
func TestCalDAVTimeout(t *testing.T) {
	s := busytest.NewCalDAV(t, false)
	s.Slow(true)
	f := &busy.Fetcher{Timeout: 100 * time.Millisecond}
	c := tori.BusyCalendar{URL: s.CalendarURL(), CalDAV: true, User: busytest.CalDAVUser}
	_, err := f.ReadCalDAV(context.Background(), c, busytest.CalDAVPassword, "", busytest.Window[0], busytest.Window[1], busy.Options{})
	if tori.ErrorCode(err) != tori.EUNAVAILABLE || !strings.Contains(tori.ErrorMessage(err), "did not answer within 100ms") {
		t.Fatalf("a server that does not answer: %v", err)
	}
}
