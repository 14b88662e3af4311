package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tori-bot/tori"
	"gopkg.in/yaml.v3"
)

// fileConfig is the practice file (tori.yaml). Every field is documented
// in tori.example.yaml; errors name the field and the fix.
type fileConfig struct {
	Practice struct {
		Name         string `yaml:"name"`
		TimeZone     string `yaml:"time_zone"`
		Language     string `yaml:"language"`
		FirstWeekday string `yaml:"first_weekday"`
		Address      string `yaml:"address"`
		Contact      string `yaml:"contact"`
		// Staff manage every therapist's calendar.
		Staff []int64 `yaml:"staff"`
		// MessagingHours: when clients' messages are passed on at once.
		MessagingHours map[string][]string `yaml:"messaging_hours"`
		// Holidays the practice closes on (holidays_config.go).
		Holidays      string   `yaml:"holidays"`
		HolidaysAlso  []string `yaml:"holidays_also"`
		ErevChagUntil string   `yaml:"erev_chag_until"`
	} `yaml:"practice"`
	Policy struct {
		RefundTiers *[]struct {
			Notice  string `yaml:"notice"`
			Percent *int   `yaml:"percent"`
		} `yaml:"refund_tiers"`
		MinNotice           string `yaml:"min_notice"`
		MaxDaysAhead        *int   `yaml:"max_days_ahead"`
		SlotStep            string `yaml:"slot_step"`
		HoldFor             string `yaml:"hold_for"`
		RescheduleMinNotice string `yaml:"reschedule_min_notice"`
		MaxHoldsPerClient   *int   `yaml:"max_holds_per_client"`
		ForgiveFirstLate    bool   `yaml:"forgive_first_late_cancellation"`
		RepeatOffenders     struct {
			Count  int    `yaml:"count"`
			Within string `yaml:"within"`
		} `yaml:"repeat_offenders"`
	} `yaml:"policy"`
	Reminders struct {
		Before     *[]string `yaml:"before"`
		RemoteAlso string    `yaml:"remote_also"`
	} `yaml:"reminders"`
	Agenda struct {
		At string `yaml:"at"`
	} `yaml:"agenda"`
	Refunds struct {
		Attempts int `yaml:"attempts"`
	} `yaml:"refunds"`
	Waitlist struct {
		OfferWindow         string `yaml:"offer_window"`
		AllowShortNotice    bool   `yaml:"allow_short_notice"`
		SkipIfBookedThatDay *bool  `yaml:"skip_if_booked_that_day"`
		MaxEntries          int    `yaml:"max_entries"`
		MaxDays             int    `yaml:"max_days"`
	} `yaml:"waitlist"`
	Series struct {
		MaxOccurrences int    `yaml:"max_occurrences"`
		Ahead          string `yaml:"ahead"`
		PayBefore      string `yaml:"pay_before"`
	} `yaml:"series"`
	Clients struct {
		InviteValid string `yaml:"invite_valid"`
		CountryCode string `yaml:"country_code"`
	} `yaml:"clients"`
	PracticeBookings struct {
		PayWithin string `yaml:"pay_within"`
	} `yaml:"practice_bookings"`
	BusyCalendars busyCalendarsConfig `yaml:"busy_calendars"`
	Privacy       struct {
		KeepPersonal     string `yaml:"keep_personal"`
		KeepMoneyRecords string `yaml:"keep_money_records"`
		ExportNotes      *bool  `yaml:"export_notes"`
	} `yaml:"privacy"`
	Therapists []struct {
		ID          string              `yaml:"id"`
		Name        string              `yaml:"name"`
		TelegramIDs []int64             `yaml:"telegram_ids"`
		Language    string              `yaml:"language"`
		Hours       map[string][]string `yaml:"hours"`
		DaysOff     []string            `yaml:"days_off"`
		OpenOn      []string            `yaml:"open_on"`
		// BusyCalendars are the therapist's own calendars (busy_config.go).
		BusyCalendars []busyCalendarConfig `yaml:"busy_calendars"`
	} `yaml:"therapists"`
	Services []struct {
		ID             string   `yaml:"id"`
		Name           names    `yaml:"name"`
		Duration       string   `yaml:"duration"`
		BufferAfter    string   `yaml:"buffer_after"`
		Price          string   `yaml:"price"`
		Currency       string   `yaml:"currency"`
		Payment        string   `yaml:"payment"`
		DepositPercent int      `yaml:"deposit_percent"`
		Remote         bool     `yaml:"remote"`
		MeetingLink    string   `yaml:"meeting_link"`
		Therapists     []string `yaml:"therapists"`
	} `yaml:"services"`
}

// names is a name per language; a plain string names it in the practice's language.
type names map[string]string

func (n *names) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		*n = names{"": v.Value}
		return nil
	}

	m := map[string]string{}
	if err := v.Decode(&m); err != nil {
		return err
	}
	*n = m
	return nil
}

// loadPractice reads and validates the practice file.
func loadPractice(path string) (*tori.Practice, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: copy tori.example.yaml to %s and fill it in (or set TORI_CONFIG to its path)", path, path)
	}
	if info, serr := os.Stat(path); serr == nil && info.IsDir() {
		// docker compose (or docker run -v) makes a directory in place of a
		// bind-mounted file that is missing on the host.
		return nil, fmt.Errorf("%s is a directory, not the practice file: Docker makes one when the tori.yaml it mounts is missing; remove that directory, copy tori.example.yaml to tori.yaml, fill it in and start again", path)
	}
	if err != nil {
		return nil, err
	}

	p, err := parsePractice(raw)
	if errors.Is(err, errEmptyConfig) {
		return nil, fmt.Errorf("%s is empty: copy tori.example.yaml to %s and fill it in", path, path)
	}
	if err != nil {
		return nil, messageError{path + ": ", err}
	}
	return p, nil
}

// messageError shows a domain error as a person at the terminal reads it:
// a prefix, then its message (tori.ErrorMessage, not its code); it unwraps
// to the error, so that its code and cause stay inspectable.
type messageError struct {
	prefix string
	err    error
}

func (e messageError) Error() string { return e.prefix + tori.ErrorMessage(e.err) }

func (e messageError) Unwrap() error { return e.err }

// errEmptyConfig is parsePractice's answer to a file with no YAML in it.
var errEmptyConfig = tori.Errorf(tori.EINVALID, "the file is empty: copy tori.example.yaml and fill it in")

// unknownField finds the line and the field in yaml.v3's error for a field
// tori does not know.
var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// parsePractice reads the practice file: it decodes the YAML, reads each
// section into the practice, and validates the whole.
func parsePractice(raw []byte) (*tori.Practice, error) {
	f, err := decodeFile(raw)
	if err != nil {
		return nil, err
	}

	p := &tori.Practice{Policy: tori.DefaultPolicy()}
	for _, read := range []func(*fileConfig, *tori.Practice) error{
		readPracticeSection, readSettings, readTherapists, readServices, readHolidays,
	} {
		if err := read(&f, p); err != nil {
			return nil, err
		}
	}

	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeFile decodes the YAML, refusing a field tori does not know.
func decodeFile(raw []byte) (fileConfig, error) {
	var f fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	if errors.Is(err, io.EOF) {
		return f, errEmptyConfig
	}
	if err != nil {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return f, tori.Errorf(tori.EINVALID, "line %s: there is no field %q here; check its spelling against tori.example.yaml", m[1], m[2])
		}
		return f, tori.WrapError(tori.EINVALID, err, "%s; the file must be YAML shaped like tori.example.yaml", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return f, nil
}

// readPracticeSection reads practice.*.
func readPracticeSection(f *fileConfig, p *tori.Practice) error {
	fp := f.Practice
	p.Name = strings.TrimSpace(fp.Name)
	p.Language = cmp.Or(fp.Language, "he")
	p.Address = strings.TrimSpace(fp.Address)
	p.Contact = strings.TrimSpace(fp.Contact)
	p.Staff = fp.Staff

	zone := cmp.Or(fp.TimeZone, "Asia/Jerusalem")
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "Local" {
		return tori.Errorf(tori.EINVALID, "practice.time_zone %q is not an IANA time zone: use a name such as Asia/Jerusalem or Europe/London", zone)
	}
	p.Location = loc

	p.FirstWeekday = time.Sunday
	if fp.FirstWeekday != "" {
		wd, ok := tori.ParseWeekday(fp.FirstWeekday)
		if !ok {
			return tori.Errorf(tori.EINVALID, "practice.first_weekday %q: use sun, mon, tue, wed, thu, fri or sat", fp.FirstWeekday)
		}
		p.FirstWeekday = wd
	}
	return readHours("practice.messaging_hours", fp.MessagingHours, &p.MessagingHours)
}

// readSettings reads the policy, the waitlist, the worker's settings
// (reminders, agenda, refunds), series, clients without Telegram and
// privacy.
func readSettings(f *fileConfig, p *tori.Practice) error {
	if err := readPolicy(f, &p.Policy); err != nil {
		return err
	}
	if err := readWaitlist(f, &p.Waitlist); err != nil {
		return err
	}
	if err := readWorker(f, &p.Worker); err != nil {
		return err
	}
	if err := readSeries(f, &p.Series); err != nil {
		return err
	}
	if err := readClients(f, &p.Clients); err != nil {
		return err
	}
	if err := readPracticeBookings(f, &p.PracticeBookings); err != nil {
		return err
	}
	if err := readBusyPolicy(f, &p.Busy); err != nil {
		return err
	}
	return readPrivacy(f, &p.Privacy)
}

// readTherapists reads therapists[*].
func readTherapists(f *fileConfig, p *tori.Practice) error {
	for i, ft := range f.Therapists {
		t := tori.Therapist{ID: ft.ID, Name: strings.TrimSpace(ft.Name), TelegramIDs: ft.TelegramIDs, Lang: ft.Language}
		if err := readHours(fmt.Sprintf("therapists[%d].hours", i), ft.Hours, &t.Hours); err != nil {
			return err
		}
		for _, d := range ft.DaysOff {
			days, err := parseDays(d)
			if err != nil {
				return tori.WrapError(tori.EINVALID, err, "therapists[%d].days_off: %s", i, tori.ErrorMessage(err))
			}
			t.DaysOff = append(t.DaysOff, days...)
		}
		var err error
		if t.BusyCalendars, err = readBusyCalendars(i, ft.BusyCalendars); err != nil {
			return err
		}
		p.Therapists = append(p.Therapists, t)
	}
	return nil
}

// readServices reads services[*]; a name without a language is in the
// practice's.
func readServices(f *fileConfig, p *tori.Practice) error {
	for i, fs := range f.Services {
		field := func(name string) string { return fmt.Sprintf("services[%d].%s", i, name) }
		s := tori.Service{ID: fs.ID, Names: map[string]string{}, Payment: tori.PaymentMode(fs.Payment), DepositPercent: fs.DepositPercent, Remote: fs.Remote, MeetingLink: strings.TrimSpace(fs.MeetingLink), TherapistIDs: fs.Therapists}
		for lang, n := range fs.Name {
			s.Names[cmp.Or(lang, p.Language)] = strings.TrimSpace(n)
		}

		var err error
		if s.Duration, err = duration(field("duration"), fs.Duration, "50m"); err != nil {
			return err
		}
		if fs.BufferAfter != "" {
			if s.BufferAfter, err = duration(field("buffer_after"), fs.BufferAfter, "10m"); err != nil {
				return err
			}
		}
		if s.Price, err = readPrice(field, fs.Price, fs.Currency); err != nil {
			return err
		}
		p.Services = append(p.Services, s)
	}
	return nil
}

// readPrice reads a service's price and currency (ILS when unset).
func readPrice(field func(string) string, price, currency string) (tori.Money, error) {
	cur := cmp.Or(strings.ToUpper(strings.TrimSpace(currency)), "ILS")
	if err := tori.CheckCurrency(cur); err != nil {
		return tori.Money{}, tori.WrapError(tori.EINVALID, err, "%s: %s", field("currency"), tori.ErrorMessage(err))
	}

	if price == "" {
		return tori.Money{}, tori.Errorf(tori.EINVALID, "%s is missing: write the price, e.g. price: 350 (or 0 for a free session)", field("price"))
	}
	m, err := tori.ParseMoney(price, cur)
	if err != nil {
		return tori.Money{}, tori.WrapError(tori.EINVALID, err, "%s: %s", field("price"), tori.ErrorMessage(err))
	}
	return m, nil
}

// readPolicy reads policy.*; unset fields keep tori.DefaultPolicy's values.
func readPolicy(f *fileConfig, pol *tori.Policy) error {
	fp := f.Policy
	if fp.RefundTiers != nil {
		pol.Tiers = nil
		for i, t := range *fp.RefundTiers {
			n, err := duration(fmt.Sprintf("policy.refund_tiers[%d].notice", i), t.Notice, "48h")
			if err != nil {
				return err
			}
			if t.Percent == nil {
				return tori.Errorf(tori.EINVALID, "policy.refund_tiers[%d].percent is missing: write the percent refunded, e.g. percent: 50", i)
			}
			pol.Tiers = append(pol.Tiers, tori.RefundTier{MinNotice: n, Percent: *t.Percent})
		}
	}

	// The notices and durations; unset, the default stays.
	for _, d := range []struct {
		name, val string
		into      *time.Duration
	}{
		{"policy.min_notice", fp.MinNotice, &pol.MinNotice},
		{"policy.slot_step", fp.SlotStep, &pol.SlotStep},
		{"policy.hold_for", fp.HoldFor, &pol.HoldFor},
		{"policy.reschedule_min_notice", fp.RescheduleMinNotice, &pol.RescheduleMinNotice},
	} {
		if d.val == "" {
			continue
		}
		v, err := duration(d.name, d.val, "2h")
		if err != nil {
			return err
		}
		*d.into = v
	}

	if fp.MaxDaysAhead != nil {
		pol.MaxDaysAhead = *fp.MaxDaysAhead
	}
	if fp.MaxHoldsPerClient != nil {
		pol.MaxHoldsPerClient = *fp.MaxHoldsPerClient
	}
	pol.ForgiveFirstLate = fp.ForgiveFirstLate

	// Repeat offenders prepay: the count, and the window it is counted in.
	pol.RepeatCount = fp.RepeatOffenders.Count
	if pol.RepeatCount > 0 {
		w, err := duration("policy.repeat_offenders.within", fp.RepeatOffenders.Within, "90d")
		if err != nil {
			return err
		}
		pol.RepeatWithin = w
	}
	return nil
}

// readHours reads weekly hours: {sun: ["09:00-13:00", ...], ...}.
func readHours(field string, in map[string][]string, out *tori.WeeklyHours) error {
	for day, ranges := range in {
		wd, ok := tori.ParseWeekday(day)
		if !ok {
			return tori.Errorf(tori.EINVALID, "%s.%s: use the weekdays sun, mon, tue, wed, thu, fri, sat", field, day)
		}
		for _, r := range ranges {
			a, b, ok := strings.Cut(strings.ReplaceAll(r, " ", ""), "-")
			start, err1 := tori.ParseMinute(a)
			end, err2 := tori.ParseMinute(b)
			if !ok || err1 != nil || err2 != nil {
				return tori.Errorf(tori.EINVALID, "%s.%s: %q is not a range like \"09:00-13:00\"", field, day, r)
			}
			out[wd] = append(out[wd], tori.Span{Start: start, End: end})
		}
	}
	return nil
}

// readWorker reads reminders.*, agenda.* and refunds.*, over
// tori.DefaultWorkerSettings.
func readWorker(f *fileConfig, w *tori.WorkerSettings) error {
	*w = tori.DefaultWorkerSettings()
	if f.Reminders.Before != nil {
		w.Reminders = []time.Duration{}
		for i, b := range *f.Reminders.Before {
			d, err := duration(fmt.Sprintf("reminders.before[%d]", i), b, "24h")
			if err != nil {
				return err
			}
			w.Reminders = append(w.Reminders, d)
		}
	}

	switch r := strings.TrimSpace(f.Reminders.RemoteAlso); r {
	case "":
	case "0", "off", "none":
		w.RemoteReminder = 0
	default:
		d, err := duration("reminders.remote_also", r, "1h")
		if err != nil {
			return err
		}
		w.RemoteReminder = d
	}

	switch at := strings.TrimSpace(f.Agenda.At); at {
	case "":
	case "off", "none":
		w.AgendaOff = true
	default:
		m, err := tori.ParseMinute(at)
		if err != nil || m >= 24*60 {
			return tori.Errorf(tori.EINVALID, "agenda.at %q: write a time such as \"07:30\", or off", at)
		}
		w.AgendaAt = m
	}

	if f.Refunds.Attempts != 0 {
		w.RefundAttempts = f.Refunds.Attempts
	}
	return nil
}

// readWaitlist reads waitlist.*, over tori.DefaultWaitlistPolicy.
func readWaitlist(f *fileConfig, w *tori.WaitlistPolicy) error {
	*w = tori.DefaultWaitlistPolicy()
	fw := f.Waitlist
	if fw.OfferWindow != "" {
		d, err := duration("waitlist.offer_window", fw.OfferWindow, "15m")
		if err != nil {
			return err
		}
		w.OfferWindow = d
	}

	w.AllowShortNotice = fw.AllowShortNotice
	w.OfferWhenBookedThatDay = fw.SkipIfBookedThatDay != nil && !*fw.SkipIfBookedThatDay
	if fw.MaxEntries != 0 {
		w.MaxEntries = fw.MaxEntries
	}
	if fw.MaxDays != 0 {
		w.MaxDays = fw.MaxDays
	}
	return nil
}

// readPrivacy reads privacy.*; Practice.Validate checks the periods
// against each other.
func readPrivacy(f *fileConfig, pp *tori.PrivacyPolicy) error {
	*pp = tori.DefaultPrivacyPolicy()
	for _, x := range []struct {
		field, value string
		to           *tori.Period
	}{
		{"privacy.keep_personal", f.Privacy.KeepPersonal, &pp.KeepPersonal},
		{"privacy.keep_money_records", f.Privacy.KeepMoneyRecords, &pp.KeepMoney},
	} {
		if strings.TrimSpace(x.value) == "" {
			continue
		}
		per, err := tori.ParsePeriod(x.value)
		if err != nil {
			return tori.WrapError(tori.EINVALID, err, "%s: %s", x.field, tori.ErrorMessage(err))
		}
		if per.IsZero() { // unset is the default; nothing kept at all is not a period
			return tori.Errorf(tori.EINVALID, "%s must be at least a day, such as \"24 months\"", x.field)
		}
		*x.to = per
	}

	pp.WithholdNotes = f.Privacy.ExportNotes != nil && !*f.Privacy.ExportNotes
	return nil
}

// duration reads "50m", "2h", "1h30m" or "2d" (days).
func duration(field, s, example string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, tori.Errorf(tori.EINVALID, "%s is missing: write a duration such as %s", field, example)
	}

	// Days, which time.ParseDuration does not read.
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days && n >= 0 {
			if n > 3660 {
				return 0, tori.Errorf(tori.EINVALID, "%s %q is more than ten years: write a duration such as %s", field, s, example)
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}

	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, tori.Errorf(tori.EINVALID, "%s %q is not a duration: write it like %s (units: m, h, d)", field, s, example)
	}
	if d < 0 {
		return 0, tori.Errorf(tori.EINVALID, "%s %q is negative: write a duration such as %s", field, s, example)
	}
	return d, nil
}

// parseDays reads "2026-12-24" or a range "2026-12-24..2026-12-31".
func parseDays(s string) ([]tori.Date, error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "..")
	from, err := tori.ParseDate(strings.TrimSpace(a))
	if err != nil {
		return nil, err
	}
	if !isRange {
		return []tori.Date{from}, nil
	}

	to, err := tori.ParseDate(strings.TrimSpace(b))
	if err != nil {
		return nil, err
	}
	if to.Before(from) || from.DaysUntil(to) > 366 {
		return nil, tori.Errorf(tori.EINVALID, "%q: write a range of at most a year, earlier day first, like 2026-12-24..2026-12-31", s)
	}

	var out []tori.Date
	for d := from; !d.After(to); d = d.AddDays(1) {
		out = append(out, d)
	}
	return out, nil
}
