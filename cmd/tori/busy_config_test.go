package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// exampleWithCalendars is tori.example.yaml with its commented
// busy_calendars example turned on.
func exampleWithCalendars(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	on := regexp.MustCompile(`(?m)^    # (busy_calendars:|  [ -] .*)$`).ReplaceAllString(string(b), "    $1")
	if on == string(b) {
		t.Fatal("the example has no commented busy_calendars")
	}
	return on
}

// TestExampleBusyCalendars: the example's calendars, turned on, are read:
// webcal as https, caldav with its sign-in, all_day block by default.
func TestExampleBusyCalendars(t *testing.T) {
	p, err := parsePractice([]byte(exampleWithCalendars(t)))
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Busy; b != (tori.BusyPolicy{Every: 5 * time.Minute, StaleAfter: 6 * time.Hour}) {
		t.Errorf("busy policy = %+v", b)
	}
	cs := p.Therapists[0].BusyCalendars
	if len(cs) != 3 {
		t.Fatalf("calendars = %+v", cs)
	}
	if cs[0].AllDay != tori.AllDayBlock || cs[0].CalDAV || !strings.HasPrefix(cs[0].URL, "https://calendar.google.com/") {
		t.Errorf("google = %+v", cs[0])
	}
	if cs[1].AllDay != tori.AllDayIgnore || cs[1].Owner != "adi@icloud.com" || !strings.HasPrefix(cs[1].URL, "https://p52-caldav.icloud.com/") {
		t.Errorf("icloud = %+v", cs[1])
	}
	if !cs[2].CalDAV || cs[2].User != "adi@fastmail.com" || cs[2].PasswordEnv != "ADI_CALDAV_PASSWORD" {
		t.Errorf("caldav = %+v", cs[2])
	}
	if cs[0].Source() == cs[1].Source() || len(cs[0].Source()) != 12 {
		t.Errorf("sources %q and %q", cs[0].Source(), cs[1].Source())
	}
}

// TestBusyCalendarErrors: each mistake is refused naming the field and the fix.
func TestBusyCalendarErrors(t *testing.T) {
	base := exampleWithCalendars(t)
	google := "- url: https://calendar.google.com/calendar/ical/adi.levi%40gmail.com/private-0123456789abcdef/basic.ics"
	for _, tc := range []struct{ name, from, to, want string }{
		{"NotWeb", google, "- url: file:///etc/passwd", "therapists[0].busy_calendars[0].url: the calendar's address starts with file://"},
		{"NoAddress", google, "- all_day: block", "therapists[0].busy_calendars[0] has no url: paste the calendar's secret ICS address"},
		{"AllDay", "all_day: ignore", "all_day: sometimes", `therapists[0].busy_calendars[1].all_day is "sometimes": use block`},
		{"Owner", "owner: adi@icloud.com", "owner: adi", `therapists[0].busy_calendars[1].owner "adi" is not an e-mail address`},
		{"CalDAVNoPassword", "password_env: ADI_CALDAV_PASSWORD", "password_env: \"\"", "therapists[0].busy_calendars[2].caldav needs user and password_env"},
		{"Both", "      - caldav:\n", "      - url: https://example.com/a.ics\n        caldav:\n", "therapists[0].busy_calendars[2] has both url and caldav"},
		{"Twice", "- url: webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MA", google, "therapists[0].busy_calendars[1].url is listed twice"},
		{"Every", "every: 5m", "every: 10s", "busy_calendars.every is 10s: use a duration from 1m to 24h"},
		{"EveryNotDuration", "every: 5m", "every: often", `busy_calendars.every "often" is not a duration`},
		{"Stale", "stale_after: 6h", "stale_after: 1m", "busy_calendars.stale_after is 1m0s, shorter than busy_calendars.every"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.from) {
				t.Fatalf("example has no %q", tc.from)
			}
			_, err := parsePractice([]byte(strings.Replace(base, tc.from, tc.to, 1)))
			if err == nil || tori.ErrorCode(err) != tori.EINVALID || !strings.Contains(tori.ErrorMessage(err), tc.want) {
				t.Fatalf("error = %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
}

// TestCalDAVPasswordUnset: tori check warns of a CalDAV calendar whose
// password variable is unset, naming the field and the variable; the
// worker does not start without it; a set one is read and never printed.
func TestCalDAVPasswordUnset(t *testing.T) {
	path := t.TempDir() + "/tori.yaml"
	if err := os.WriteFile(path, []byte(exampleWithCalendars(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TORI_CONFIG": path}
	getenv := func(k string) string { return env[k] }

	c, err := readRunConfig([]string{"check"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := c.check(&out); err != nil {
		t.Fatal(err)
	}
	want := "warning: therapists[0].busy_calendars[2].caldav.password_env names ADI_CALDAV_PASSWORD, which is not set"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("check said:\n%s\nwant %q", out.String(), want)
	}
	if _, err := readRunConfig([]string{"worker"}, getenv); err == nil || !strings.Contains(err.Error(), "ADI_CALDAV_PASSWORD, which is not set") {
		t.Fatalf("worker without the password: %v", err)
	}

	env["ADI_CALDAV_PASSWORD"] = "s3cret-app-pw"
	c, err = readRunConfig([]string{"check"}, getenv)
	if err != nil || c.calDAV["ADI_CALDAV_PASSWORD"] != "s3cret-app-pw" || len(c.calDAVMissing) != 0 {
		t.Fatalf("with the password: %v %v", err, c.calDAVMissing)
	}
	out.Reset()
	if err := c.check(&out); err != nil || strings.Contains(out.String(), "s3cret") || strings.Contains(out.String(), "ADI_CALDAV") {
		t.Fatalf("check with the password said:\n%s (%v)", out.String(), err)
	}
}
