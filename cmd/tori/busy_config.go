package main

import (
	"fmt"
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
)

// busyCalendarsConfig is busy_calendars at the top of the file: how the
// worker reads the therapists' own calendars.
type busyCalendarsConfig struct {
	Every      string `yaml:"every"`
	StaleAfter string `yaml:"stale_after"`
}

// busyCalendarConfig is one of therapists[*].busy_calendars: an ICS
// address (url) or a CalDAV calendar (caldav).
type busyCalendarConfig struct {
	URL    string `yaml:"url"`
	CalDAV *struct {
		URL         string `yaml:"url"`
		User        string `yaml:"user"`
		PasswordEnv string `yaml:"password_env"`
	} `yaml:"caldav"`
	AllDay string `yaml:"all_day"`
	Owner  string `yaml:"owner"`
}

// readBusyPolicy reads busy_calendars.*, over tori.DefaultBusyPolicy.
func readBusyPolicy(f *fileConfig, bp *tori.BusyPolicy) error {
	*bp = tori.DefaultBusyPolicy()
	var err error
	if s := f.BusyCalendars.Every; s != "" {
		if bp.Every, err = duration("busy_calendars.every", s, "5m"); err != nil {
			return err
		}
	}
	if s := f.BusyCalendars.StaleAfter; s != "" {
		if bp.StaleAfter, err = duration("busy_calendars.stale_after", s, "6h"); err != nil {
			return err
		}
	}
	return nil
}

// readBusyCalendars reads therapists[i].busy_calendars; an address is
// checked here (the root reads no URLs) and kept as busy.URL makes it
// (webcal:// as https://).
func readBusyCalendars(i int, in []busyCalendarConfig) ([]tori.BusyCalendar, error) {
	var out []tori.BusyCalendar
	for k, fc := range in {
		field := fmt.Sprintf("therapists[%d].busy_calendars[%d]", i, k)
		c := tori.BusyCalendar{URL: strings.TrimSpace(fc.URL), AllDay: tori.AllDayMode(strings.TrimSpace(fc.AllDay)), Owner: strings.TrimSpace(fc.Owner)}
		switch {
		case fc.CalDAV != nil && c.URL != "":
			return nil, tori.Errorf(tori.EINVALID, "%s has both url and caldav: keep one (url for an ICS address, caldav for a CalDAV calendar)", field)
		case fc.CalDAV != nil:
			c.CalDAV, c.URL, c.User, c.PasswordEnv = true, strings.TrimSpace(fc.CalDAV.URL), strings.TrimSpace(fc.CalDAV.User), strings.TrimSpace(fc.CalDAV.PasswordEnv)
			field += ".caldav"
		case c.URL == "":
			return nil, tori.Errorf(tori.EINVALID, "%s has no url: paste the calendar's secret ICS address (see docs/CALENDARS.md), or give caldav: {url, user, password_env}", field)
		}

		addr, err := busy.URL(c.URL)
		if err != nil {
			return nil, tori.WrapError(tori.EINVALID, err, "%s.url: %s", field, tori.ErrorMessage(err))
		}
		c.URL = addr
		if c.Owner != "" && !strings.Contains(c.Owner, "@") {
			return nil, tori.Errorf(tori.EINVALID, "%s.owner %q is not an e-mail address: write the calendar owner's address, whose declined invitations are not busy", field, c.Owner)
		}
		out = append(out, c)
	}
	return out, nil
}

// calDAVPasswords reads the CalDAV passwords from the variables their
// calendars name (password_env), once at start; missing says, per unset
// variable, which calendar needs it. A password is never logged.
func calDAVPasswords(p *tori.Practice, getenv func(string) string) (pw map[string]string, missing []string) {
	pw = map[string]string{}
	for i, t := range p.Therapists {
		for k, c := range t.BusyCalendars {
			if !c.CalDAV {
				continue
			}
			v := getenv(c.PasswordEnv)
			if v == "" {
				missing = append(missing, fmt.Sprintf("therapists[%d].busy_calendars[%d].caldav.password_env names %s, which is not set: set it to the calendar's password (an app password for iCloud and Fastmail)", i, k, c.PasswordEnv))
				continue
			}
			pw[c.PasswordEnv] = v
		}
	}
	return pw, missing
}
