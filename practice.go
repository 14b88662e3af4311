package tori

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"
)

// Languages the practice can speak; the first is the fallback.
var Languages = []string{"en", "he"}

// Span is a range of wall-clock time within one day, [Start, End).
type Span struct {
	Start, End Minute
}

// WeeklyHours are working hours per weekday (indexed by time.Weekday); a day
// may have several spans, e.g. 09:00–13:00 and 15:00–19:00.
type WeeklyHours [7][]Span

// open reports whether any day has hours.
func (h *WeeklyHours) open() bool {
	return slices.ContainsFunc(h[:], func(spans []Span) bool { return len(spans) > 0 })
}

// Therapist is one person whose time is booked.
type Therapist struct {
	ID          string // short, stable, [a-z0-9_-], used in keys and buttons
	Name        string
	TelegramIDs []int64 // who is told of bookings; also admins of their own calendar
	Lang        string  // language of the messages they get; default the practice's
	Hours       WeeklyHours
	DaysOff     []Date
	OpenOn      []Date // days the practice is closed (or closes early) on which they work their hours anyway
	// BusyCalendars are the therapist's own calendars: their events are
	// busy times no client may book.
	BusyCalendars []BusyCalendar
}

// OffOn reports whether d is one of the therapist's days off.
func (t Therapist) OffOn(d Date) bool { return slices.Contains(t.DaysOff, d) }

// PaymentMode says what is paid when booking.
type PaymentMode string

// Payment modes.
const (
	PayNone    PaymentMode = "none"    // pay at the session
	PayFull    PaymentMode = "full"    // prepay the full price
	PayDeposit PaymentMode = "deposit" // prepay DepositPercent of the price
)

// Service is something a client books: a session type with a duration and a price.
type Service struct {
	ID             string            // short, stable, [a-z0-9_-]
	Names          map[string]string // per language; at least the default language
	Duration       time.Duration
	BufferAfter    time.Duration // kept free after the session
	Price          Money
	Payment        PaymentMode
	DepositPercent int
	Remote         bool   // a video or phone session
	MeetingLink    string // for remote sessions
	TherapistIDs   []string
}

// Name returns the service's name in lang, or in the default language.
func (s Service) Name(lang, fallback string) string {
	if n := s.Names[lang]; n != "" {
		return n
	}
	if n := s.Names[fallback]; n != "" {
		return n
	}
	for _, l := range Languages {
		if n := s.Names[l]; n != "" {
			return n
		}
	}
	return s.ID
}

// DueNow returns what is paid when booking: nothing, the full price or the deposit.
func (s Service) DueNow() Money {
	switch s.Payment {
	case PayFull:
		return s.Price
	case PayDeposit:
		return s.Price.Percent(s.DepositPercent)
	}
	return Money{Currency: s.Price.Currency}
}

// Practice is the whole configuration of one bot: who, what, when, and the policy.
type Practice struct {
	Name         string
	Location     *time.Location
	Language     string // default language for clients whose language we do not speak
	FirstWeekday time.Weekday
	Address      string // where in-person sessions happen
	Contact      string // how to reach the practice otherwise (phone, e-mail), shown when the bot cannot help
	Therapists   []Therapist
	Services     []Service
	Policy       Policy
	Worker       WorkerSettings
	Waitlist     WaitlistPolicy
	Privacy      PrivacyPolicy // how long personal details and money records are kept
	Series       SeriesPolicy  // how far series of standing sessions go
	Clients      ClientsPolicy // clients without Telegram and their invite links
	// PracticeBookings is how the practice books for its clients (/book).
	PracticeBookings PracticeBookingPolicy
	Busy             BusyPolicy // how the therapists' own calendars are read
	// Staff are Telegram ids that manage every therapist (a receptionist,
	// the clinic's owner); each therapist manages their own calendar.
	Staff []int64
	// Closures are the holidays the practice closes on and the eves it
	// closes early on, sorted by day (practice.holidays, computed by the
	// wiring); days_off and time off apply besides.
	Closures []Closure
	// MessagingHours are when clients' messages are passed on at once;
	// outside them, the client is told when theirs will be read. Default:
	// the therapists' working hours together.
	MessagingHours WeeklyHours
}

// Managed returns the therapists a Telegram user may manage: every one for
// staff, their own for a therapist, none for anyone else.
func (p *Practice) Managed(telegramID int64) []Therapist {
	if slices.Contains(p.Staff, telegramID) {
		return p.Therapists
	}
	var out []Therapist
	for _, t := range p.Therapists {
		if slices.Contains(t.TelegramIDs, telegramID) {
			out = append(out, t)
		}
	}
	return out
}

// MessagingOpen reports whether at falls in messaging hours, and when they
// next open if not (in the practice's zone, across clock changes).
func (p *Practice) MessagingOpen(at time.Time) (bool, time.Time) {
	d := p.Today(at)
	for i := 0; i <= 14; i++ {
		day := d.AddDays(i)
		for _, s := range p.MessagingHours[day.Weekday()] {
			start, end := day.At(s.Start, p.Location), day.At(s.End, p.Location)
			if i == 0 && !at.Before(start) && at.Before(end) {
				return true, at
			}
			if start.After(at) {
				return false, start
			}
		}
	}
	return false, time.Time{}
}

// WorkerSettings are what the worker does when.
type WorkerSettings struct {
	// Reminders are sent this long before every session (default 48 h and
	// 24 h); remote sessions also get one RemoteReminder before (default
	// 1 h), with the meeting link. Nil means the defaults; empty, none.
	Reminders      []time.Duration
	RemoteReminder time.Duration
	// AgendaAt is the local time of each therapist's daily agenda (default
	// 07:30); AgendaOff turns the agenda off.
	AgendaAt  Minute
	AgendaOff bool
	// RefundAttempts is how many times a refund is tried before the
	// therapist is told to refund by hand (default 6).
	RefundAttempts int
}

// DefaultWorkerSettings are the defaults of WorkerSettings.
func DefaultWorkerSettings() WorkerSettings {
	return WorkerSettings{
		Reminders:      []time.Duration{48 * time.Hour, 24 * time.Hour},
		RemoteReminder: time.Hour,
		AgendaAt:       7*60 + 30,
		RefundAttempts: 6,
	}
}

// ReminderOffsets returns how long before a's start its reminders go out,
// longest first.
func (p *Practice) ReminderOffsets(a Appointment) []time.Duration {
	out := slices.Clone(p.Worker.Reminders)
	if a.Remote && p.Worker.RemoteReminder > 0 && !slices.Contains(out, p.Worker.RemoteReminder) {
		out = append(out, p.Worker.RemoteReminder)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

// Therapist returns the therapist with the given id.
func (p *Practice) Therapist(id string) (Therapist, bool) {
	for _, t := range p.Therapists {
		if t.ID == id {
			return t, true
		}
	}
	return Therapist{}, false
}

// Service returns the service with the given id.
func (p *Practice) Service(id string) (Service, bool) {
	for _, s := range p.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// TherapistsFor returns the therapists who offer the service, in configuration order.
func (p *Practice) TherapistsFor(s Service) []Therapist {
	// One allocation: a busy practice's list grown by append was a third
	// of what tori allocated under load (tori bench -memprofile).
	out := make([]Therapist, 0, p.NumTherapistsFor(s))
	for _, t := range p.Therapists {
		if slices.Contains(s.TherapistIDs, t.ID) {
			out = append(out, t)
		}
	}
	return out
}

// NumTherapistsFor is len(TherapistsFor(s)), without the list.
func (p *Practice) NumTherapistsFor(s Service) int {
	n := 0
	for _, t := range p.Therapists {
		if slices.Contains(s.TherapistIDs, t.ID) {
			n++
		}
	}
	return n
}

// Offers returns the therapist with the id if they offer the service.
func (p *Practice) Offers(s Service, therapistID string) (Therapist, bool) {
	if !slices.Contains(s.TherapistIDs, therapistID) {
		return Therapist{}, false
	}
	return p.Therapist(therapistID)
}

// TherapistOf returns the therapist a Telegram user id belongs to.
func (p *Practice) TherapistOf(telegramID int64) (Therapist, bool) {
	for _, t := range p.Therapists {
		if slices.Contains(t.TelegramIDs, telegramID) {
			return t, true
		}
	}
	return Therapist{}, false
}

// idPattern is what therapist and service ids look like: they go into Redis
// keys and into 64-byte Telegram button data.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,15}$`)

// Validate fills the practice's defaults and checks the whole. Each error
// names the field and says how to fix it.
func (p *Practice) Validate() error {
	p.fillDefaults()
	for _, check := range []func() error{
		p.validateHeader, p.validateWorker, p.Privacy.Validate, p.validateWaitlist,
		p.validateTherapists, p.validateServices, p.Series.Validate, p.Clients.Validate, p.PracticeBookings.Validate,
		func() error { return p.Busy.validate(p.Therapists) },
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// fillDefaults gives every setting left unset its default: the worker's
// settings, privacy and the waitlist; messaging hours are the therapists'
// working hours; a service's payment is none, and its therapists all. It
// sorts the closures by day.
func (p *Practice) fillDefaults() {
	if p.Worker.Reminders == nil && p.Worker.RefundAttempts == 0 && p.Worker.AgendaAt == 0 && p.Worker.RemoteReminder == 0 && !p.Worker.AgendaOff {
		p.Worker = DefaultWorkerSettings()
	}
	p.Privacy = p.Privacy.withDefaults()
	p.Series.fillDefaults()
	slices.SortFunc(p.Closures, func(a, b Closure) int { return a.Date.Compare(b.Date) }) // ClosureOn searches them
	p.Clients.fillDefaults()
	p.PracticeBookings.fillDefaults()
	p.Busy.fillDefaults()

	def := DefaultWaitlistPolicy()
	p.Waitlist.OfferWindow = cmp.Or(p.Waitlist.OfferWindow, def.OfferWindow)
	p.Waitlist.MaxEntries = cmp.Or(p.Waitlist.MaxEntries, def.MaxEntries)
	p.Waitlist.MaxDays = cmp.Or(p.Waitlist.MaxDays, def.MaxDays)

	if !p.MessagingHours.open() {
		for _, t := range p.Therapists {
			for wd, spans := range t.Hours {
				p.MessagingHours[wd] = unionSpans(p.MessagingHours[wd], spans)
			}
		}
	}

	for i := range p.Services {
		s := &p.Services[i]
		if s.Payment == "" {
			s.Payment = PayNone
		}
		if len(s.TherapistIDs) == 0 {
			for _, t := range p.Therapists {
				s.TherapistIDs = append(s.TherapistIDs, t.ID)
			}
		}
	}
}

// validateHeader checks the practice's name, time zone, language and policy.
func (p *Practice) validateHeader() error {
	if p.Name == "" {
		return Errorf(EINVALID, "practice.name is empty: write the name clients should see, e.g. \"Adi Levi Psychotherapy\"")
	}
	if p.Location == nil {
		return Errorf(EINVALID, "practice.time_zone is missing: use an IANA name such as Asia/Jerusalem")
	}
	if !slices.Contains(Languages, p.Language) {
		return Errorf(EINVALID, "practice.language is %q: use one of %v", p.Language, Languages)
	}
	return p.Policy.Validate()
}

// validateWorker checks the reminders and the refund attempts.
func (p *Practice) validateWorker() error {
	for i, r := range p.Worker.Reminders {
		if r < 5*time.Minute || r > 30*24*time.Hour {
			return Errorf(EINVALID, "reminders.before[%d] is %s: use a duration from 5m to 30d, such as 24h", i, r)
		}
	}
	if r := p.Worker.RemoteReminder; r < 0 || r > 0 && r < 5*time.Minute {
		return Errorf(EINVALID, "reminders.remote_also is %s: use a duration such as 1h, or 0 for none", r)
	}
	return nil
}

// validateWaitlist checks the waitlist's settings, and then the refund
// attempts (in the order the errors have always come in).
func (p *Practice) validateWaitlist() error {
	switch w := p.Waitlist; {
	case w.OfferWindow < minOfferWindow || w.OfferWindow > 24*time.Hour:
		return Errorf(EINVALID, "waitlist.offer_window is %s: use a duration from 2m to 24h, such as 15m", w.OfferWindow)
	case w.MaxEntries < 1:
		return Errorf(EINVALID, "waitlist.max_entries is %d: use 1 or more (5 is a good start)", w.MaxEntries)
	case w.MaxDays < 1 || w.MaxDays > 366:
		return Errorf(EINVALID, "waitlist.max_days is %d: use 1 to 366 (31 is a good start)", w.MaxDays)
	}
	if p.Worker.RefundAttempts < 1 {
		return Errorf(EINVALID, "refunds.attempts is %d: use 1 or more (6 is a good start)", p.Worker.RefundAttempts)
	}
	return nil
}

// validateTherapists checks each therapist, the staff's ids and the
// messaging hours.
func (p *Practice) validateTherapists() error {
	if len(p.Therapists) == 0 {
		return Errorf(EINVALID, "therapists is empty: add at least one therapist with an id, a name, telegram_ids and hours")
	}
	seen := map[string]bool{}
	for i := range p.Therapists {
		if err := p.Therapists[i].validate(i, seen); err != nil {
			return err
		}
	}
	for _, id := range p.Staff {
		if id <= 0 {
			return Errorf(EINVALID, "staff has %d: use numeric Telegram user ids", id)
		}
	}
	_, err := checkHours("practice.messaging_hours", &p.MessagingHours)
	return err
}

// validateServices checks each service.
func (p *Practice) validateServices() error {
	if len(p.Services) == 0 {
		return Errorf(EINVALID, "services is empty: add at least one service with an id, a name, a duration and a price")
	}
	seen := map[string]bool{}
	for i := range p.Services {
		if err := p.validateService(i, seen); err != nil {
			return err
		}
	}
	return nil
}

func (t *Therapist) validate(i int, seen map[string]bool) error {
	f := fmt.Sprintf("therapists[%d]", i)
	if !idPattern.MatchString(t.ID) {
		return Errorf(EINVALID, "%s.id %q: use 1 to 16 lower-case letters, digits, - or _, starting with a letter or digit, e.g. \"adi\"", f, t.ID)
	}
	if seen[t.ID] {
		return Errorf(EINVALID, "%s.id %q is used twice: give each therapist their own id", f, t.ID)
	}
	seen[t.ID] = true
	if t.Name == "" {
		return Errorf(EINVALID, "%s.name is empty: write the name clients should see", f)
	}
	if t.Lang != "" && !slices.Contains(Languages, t.Lang) {
		return Errorf(EINVALID, "%s.language is %q: use one of %v, or leave it out for the practice's language", f, t.Lang, Languages)
	}
	if len(t.TelegramIDs) == 0 {
		return Errorf(EINVALID, "%s.telegram_ids is empty: add the numeric Telegram user id of %s (ask @userinfobot), so they are told of bookings", f, t.Name)
	}
	for _, id := range t.TelegramIDs {
		if id <= 0 {
			return Errorf(EINVALID, "%s.telegram_ids has %d: use the numeric Telegram user id, a positive number", f, id)
		}
	}
	open, err := checkHours(f+".hours", &t.Hours)
	if err != nil {
		return err
	}
	if !open {
		return Errorf(EINVALID, "%s.hours is empty: give %s working hours for at least one weekday, e.g. sun: [\"09:00-17:00\"]", f, t.Name)
	}
	return nil
}

// checkHours sorts each day's ranges and refuses backwards or overlapping
// ones; open says whether any day has hours.
func checkHours(f string, h *WeeklyHours) (open bool, err error) {
	for wd, spans := range h {
		sort.Slice(spans, func(a, b int) bool { return spans[a].Start < spans[b].Start })
		for k, s := range spans {
			if s.End <= s.Start || s.End > 24*60 {
				return false, Errorf(EINVALID, "%s.%s: %s-%s ends before it starts; write ranges like 09:00-13:00", f, weekdayKey(time.Weekday(wd)), s.Start, s.End)
			}
			if k > 0 && s.Start < spans[k-1].End {
				return false, Errorf(EINVALID, "%s.%s: %s-%s overlaps %s-%s; merge them into one range", f, weekdayKey(time.Weekday(wd)), s.Start, s.End, spans[k-1].Start, spans[k-1].End)
			}
			open = true
		}
	}
	return open, nil
}

// validateService checks services[i] (its defaults filled); seen holds
// the ids of those before it.
func (p *Practice) validateService(i int, seen map[string]bool) error {
	s := &p.Services[i]
	f := fmt.Sprintf("services[%d]", i)
	if !idPattern.MatchString(s.ID) {
		return Errorf(EINVALID, "%s.id %q: use 1 to 16 lower-case letters, digits, - or _, e.g. \"intake\"", f, s.ID)
	}
	if seen[s.ID] {
		return Errorf(EINVALID, "%s.id %q is used twice: give each service its own id", f, s.ID)
	}
	seen[s.ID] = true
	if s.Names[p.Language] == "" {
		return Errorf(EINVALID, "%s.name.%s is empty: name the service in the practice's language (%s)", f, p.Language, p.Language)
	}
	if err := s.validateTimes(f); err != nil {
		return err
	}
	if err := s.validatePayment(f); err != nil {
		return err
	}
	for _, id := range s.TherapistIDs {
		if _, ok := p.Therapist(id); !ok {
			return Errorf(EINVALID, "%s.therapists names %q, who is not in therapists: use one of the therapist ids", f, id)
		}
	}
	if !s.Remote && s.MeetingLink != "" {
		return Errorf(EINVALID, "%s.meeting_link is set but remote is false: set remote: true for a video session, or remove the link", f)
	}
	if !s.Remote && p.Address == "" {
		return Errorf(EINVALID, "%s is an in-person session but practice.address is empty: write the address clients should come to", f)
	}
	return nil
}

// validateTimes checks a service's duration and buffer; f names it.
func (s *Service) validateTimes(f string) error {
	if s.Duration < 5*time.Minute || s.Duration > 12*time.Hour || s.Duration%time.Minute != 0 {
		return Errorf(EINVALID, "%s.duration is %s: use whole minutes from 5m to 12h, e.g. 50m", f, s.Duration)
	}
	if s.BufferAfter < 0 || s.BufferAfter > 4*time.Hour || s.BufferAfter%time.Minute != 0 {
		return Errorf(EINVALID, "%s.buffer_after is %s: use whole minutes from 0 to 4h, e.g. 10m", f, s.BufferAfter)
	}
	return nil
}

// validatePayment checks a service's price and how it is paid; f names it.
func (s *Service) validatePayment(f string) error {
	if !IsCurrency(s.Price.Currency) || s.Price.Amount < 0 {
		return Errorf(EINVALID, "%s.price: write an amount and a currency, e.g. price: 350, currency: ILS", f)
	}
	switch s.Payment {
	case PayNone, PayFull:
	case PayDeposit:
		if s.DepositPercent < 1 || s.DepositPercent > 99 {
			return Errorf(EINVALID, "%s.deposit_percent is %d: with payment: deposit use 1 to 99 (or payment: full)", f, s.DepositPercent)
		}
	default:
		return Errorf(EINVALID, "%s.payment is %q: use none (pay at the session), full or deposit", f, s.Payment)
	}
	if s.Payment != PayNone && s.Price.Amount == 0 {
		return Errorf(EINVALID, "%s.payment is %s but the price is 0: set a price or use payment: none", f, s.Payment)
	}
	return nil
}

// unionSpans merges two sorted lists of spans.
func unionSpans(a, b []Span) []Span {
	all := append(slices.Clone(a), b...)
	slices.SortFunc(all, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
	var out []Span
	for _, s := range all {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func weekdayKey(d time.Weekday) string { return weekdayKeys[d] }

// ParseWeekday reads sun, mon, … sat.
func ParseWeekday(s string) (time.Weekday, bool) {
	i := slices.Index(weekdayKeys[:], s)
	return time.Weekday(i), i >= 0
}
