package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// FuzzParsePractice feeds parsePractice arbitrary bytes, seeded with
// tori.example.yaml and broken variants of it. It never panics; it returns a
// practice or an EINVALID error whose message names a line or a field on one
// line; a practice it returns keeps the promises Validate makes.
func FuzzParsePractice(f *testing.F) {
	example, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	base := string(example)
	edit := func(from, to string) string {
		if !strings.Contains(base, from) {
			f.Fatalf("example has no %q", from)
		}
		return strings.Replace(base, from, to, 1)
	}
	for _, seed := range []string{
		base,
		"",
		"# only a comment\n",
		"practice:",
		"practice: [",
		"\tpractice:\n\t\tname: x\n",
		edit("  name: \"Adi Levi Psychotherapy\"", "name: \"Adi Levi Psychotherapy\""), // bad indentation
		edit("    duration: 50m", "      duration: 50m"),
		edit("    price: 350\n", "    pricee: 350\n"),           // unknown field
		edit("  max_days_ahead: 60", "  max_days_ahead: sixty"), // wrong types
		edit("  staff: []", "  staff: {a: 1}"),
		edit("    telegram_ids: [111111111]", "    telegram_ids: 111111111"),
		edit("    telegram_ids: [111111111]", "    telegram_ids: [99999999999999999999999]"), // huge numbers
		edit("  max_days_ahead: 60", "  max_days_ahead: 9223372036854775807"),
		edit("    price: 350\n", "    price: 92233720368547758.07\n"),
		edit("  min_notice: 2h", "  min_notice: 9223372036854775807d"),
		edit("  min_notice: 2h", "  min_notice: 281474976710657d"), // wrapped to 24h once
		edit("  at: \"07:30\"", "  at: \"-1:30\""),                 // was taken as -90 minutes
		edit("time_zone: Asia/Jerusalem", "time_zone: Local"),      // the server's zone
		edit("  ahead: 8w", "  ahead: 9223372036854775807w"),
		edit("  max_occurrences: 26", "  max_occurrences: -1"),
		edit("    days_off: [\"2026-12-24..2026-12-26\"]", "    days_off: [\"0001-01-01..9999-12-31\"]"),
		edit("    name: {he: \"פגישת טיפול\", en: \"Therapy session\"}", "    name: *nothing"),
		edit("practice:\n", "practice: &p\n") + "extra: *p\n",
		// Billion laughs: yaml.v3 must refuse them, and quickly.
		"practice:\n  messaging_hours:\n    sun: &a [\"09:00-10:00\",\"09:00-10:00\",\"09:00-10:00\",\"09:00-10:00\"]\n" +
			"    mon: &b [*a,*a,*a,*a]\n    tue: &c [*b,*b,*b,*b]\n    wed: [*c,*c,*c,*c]\n",
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" +
			"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n" +
			"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n" +
			"practice: {name: *g}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		p, err := parsePractice(raw)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("parsePractice took %s on %d bytes", took, len(raw))
		}
		switch {
		case err != nil && p != nil:
			t.Fatalf("both a practice and an error: %v", err)
		case err == nil && p == nil:
			t.Fatal("neither a practice nor an error")
		case err != nil:
			checkConfigError(t, raw, err)
		default:
			checkPractice(t, p)
		}
	})
}

var (
	// namesLineOrField: an error message points at a line, or at a
	// top-level section of the file (fields are written section.field).
	namesLineOrField = regexp.MustCompile(`\bline \d+\b|\b(practice|policy|reminders|agenda|refunds|waitlist|series|practice_bookings|therapists|services|staff)\b`)
	quotedValue      = regexp.MustCompile("(?s)`[^`]*`")
	// yamlListLine continues yaml.v3's "unmarshal errors:" list.
	yamlListLine = regexp.MustCompile(`^  line \d+: `)
	// idLike is what Validate accepts as a therapist or service id.
	idLike = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,15}$`)
	// lineless are yaml.v3 errors that never carry a position, which the
	// user sees as they are (after "yaml: "): known weak spots, kept here
	// so the target keeps looking past them.
	lineless = []string{
		"the file is empty", // or of comments only
		"unknown anchor",
		"document contains excessive aliasing",
		// Encoding errors of yaml.v3's reader (readerc.go).
		"UTF-8", "UTF-16", "surrogate area", "invalid Unicode character",
		"control characters are not allowed", "input error",
	}
)

func checkConfigError(t *testing.T, raw []byte, err error) {
	t.Helper()
	if code := tori.ErrorCode(err); code != tori.EINVALID {
		t.Fatalf("error code %q, want %q: %v", code, tori.EINVALID, err)
	}
	msg := tori.ErrorMessage(err)
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("empty message: %v", err)
	}
	// yaml.v3 quotes the offending value as it is, between backquotes;
	// a value may hold line breaks.
	lines := strings.Split(quotedValue.ReplaceAllString(msg, "`…`"), "\n")
	for _, l := range lines[1:] {
		if !yamlListLine.MatchString(l) {
			t.Fatalf("message is not one line (nor yaml's list of lines): %q", msg)
		}
	}
	if namesLineOrField.MatchString(msg) || slices.ContainsFunc(lineless, func(s string) bool { return strings.Contains(msg, s) }) {
		return
	}
	// yaml.v3 counts lines from 0 and leaves out "line 0": a syntax error on
	// the first line names no line. One line further down, it must.
	_, again := parsePractice(append([]byte("\n"), raw...))
	if again == nil || !namesLineOrField.MatchString(tori.ErrorMessage(again)) {
		t.Fatalf("message names neither a line nor a field: %q", msg)
	}
}

// checkPractice checks what Validate promises of a practice it accepted.
func checkPractice(t *testing.T, p *tori.Practice) {
	t.Helper()
	if p.Name == "" || p.Location == nil || !slices.Contains(tori.Languages, p.Language) {
		t.Fatalf("practice name %q, location %v, language %q", p.Name, p.Location, p.Language)
	}
	if p.FirstWeekday < time.Sunday || p.FirstWeekday > time.Saturday {
		t.Fatalf("first weekday %d", p.FirstWeekday)
	}
	checkHoursValid(t, "practice.messaging_hours", p.MessagingHours, false)
	for _, id := range p.Staff {
		if id <= 0 {
			t.Fatalf("staff id %d", id)
		}
	}
	pol := p.Policy
	if pol.MinNotice < 0 || pol.MaxDaysAhead < 1 || pol.MaxDaysAhead > 366 || pol.SlotStep < 5*time.Minute ||
		pol.SlotStep > 24*time.Hour || pol.SlotStep%(5*time.Minute) != 0 || pol.HoldFor < time.Minute ||
		pol.HoldFor > 24*time.Hour || pol.RescheduleMinNotice < 0 || pol.MaxHoldsPerClient < 1 || pol.RepeatCount < 0 {
		t.Fatalf("policy %+v", pol)
	}
	for i, tier := range pol.Tiers {
		if tier.Percent < 0 || tier.Percent > 100 || tier.MinNotice < 0 || i > 0 && tier.MinNotice >= pol.Tiers[i-1].MinNotice {
			t.Fatalf("refund tiers %+v", pol.Tiers)
		}
	}
	w := p.Worker
	for _, r := range w.Reminders {
		if r < 5*time.Minute || r > 30*24*time.Hour {
			t.Fatalf("reminder %s", r)
		}
	}
	if w.RemoteReminder < 0 || w.RefundAttempts < 1 || !w.AgendaOff && (w.AgendaAt < 0 || w.AgendaAt >= 24*60) {
		t.Fatalf("worker %+v", w)
	}
	if wl := p.Waitlist; wl.OfferWindow < 2*time.Minute || wl.OfferWindow > 24*time.Hour || wl.MaxEntries < 1 || wl.MaxDays < 1 || wl.MaxDays > 366 {
		t.Fatalf("waitlist %+v", wl)
	}
	if sp := p.Series; sp.MaxOccurrences < 2 || sp.MaxOccurrences > 104 || sp.Ahead < 7*24*time.Hour || sp.Ahead > 52*7*24*time.Hour || sp.Ahead%(24*time.Hour) != 0 {
		t.Fatalf("series %+v", sp)
	}
	if len(p.Therapists) == 0 || len(p.Services) == 0 {
		t.Fatalf("%d therapists, %d services", len(p.Therapists), len(p.Services))
	}
	ids := map[string]bool{}
	for _, th := range p.Therapists {
		if !idLike.MatchString(th.ID) || ids[th.ID] || th.Name == "" || len(th.TelegramIDs) == 0 {
			t.Fatalf("therapist %+v", th)
		}
		ids[th.ID] = true
		for _, id := range th.TelegramIDs {
			if id <= 0 {
				t.Fatalf("therapist %s telegram id %d", th.ID, id)
			}
		}
		checkHoursValid(t, "therapist "+th.ID, th.Hours, true)
	}
	svcs := map[string]bool{}
	for _, s := range p.Services {
		if !idLike.MatchString(s.ID) || svcs[s.ID] || s.Names[p.Language] == "" {
			t.Fatalf("service %+v", s)
		}
		svcs[s.ID] = true
		if s.Duration < 5*time.Minute || s.Duration > 12*time.Hour || s.Duration%time.Minute != 0 ||
			s.BufferAfter < 0 || s.BufferAfter > 4*time.Hour || s.BufferAfter%time.Minute != 0 {
			t.Fatalf("service %s: duration %s, buffer %s", s.ID, s.Duration, s.BufferAfter)
		}
		if len(s.Price.Currency) != 3 || s.Price.Amount < 0 {
			t.Fatalf("service %s: price %+v", s.ID, s.Price)
		}
		switch s.Payment {
		case tori.PayNone:
		case tori.PayFull:
			if s.Price.Amount == 0 {
				t.Fatalf("service %s: prepaid at 0", s.ID)
			}
		case tori.PayDeposit:
			if s.Price.Amount == 0 || s.DepositPercent < 1 || s.DepositPercent > 99 {
				t.Fatalf("service %s: deposit %d%% of %+v", s.ID, s.DepositPercent, s.Price)
			}
		default:
			t.Fatalf("service %s: payment %q", s.ID, s.Payment)
		}
		if len(s.TherapistIDs) == 0 {
			t.Fatalf("service %s has no therapists", s.ID)
		}
		for _, id := range s.TherapistIDs {
			if !ids[id] {
				t.Fatalf("service %s names therapist %q", s.ID, id)
			}
		}
		if !s.Remote && (s.MeetingLink != "" || p.Address == "") {
			t.Fatalf("in-person service %s: link %q, address %q", s.ID, s.MeetingLink, p.Address)
		}
	}
	// What was accepted once is accepted again.
	again := *p
	if err := again.Validate(); err != nil {
		t.Fatalf("Validate of an accepted practice: %v", err)
	}
}

// checkHoursValid: each day's spans are sorted, within the day, not
// overlapping; open says some day must have hours.
func checkHoursValid(t *testing.T, what string, h tori.WeeklyHours, open bool) {
	t.Helper()
	seen := false
	for wd, spans := range h {
		for k, s := range spans {
			if s.Start < 0 || s.End <= s.Start || s.End > 24*60 || k > 0 && s.Start < spans[k-1].End {
				t.Fatalf("%s: %s hours %v", what, time.Weekday(wd), spans)
			}
			seen = true
		}
	}
	if open && !seen {
		t.Fatalf("%s has no hours", what)
	}
}
