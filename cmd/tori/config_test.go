package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func TestExampleConfigIsValid(t *testing.T) {
	p, err := loadPractice("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Adi Levi Psychotherapy" || p.Location.String() != "Asia/Jerusalem" || len(p.Therapists) != 1 || len(p.Services) != 2 {
		t.Fatalf("practice = %+v", p)
	}
	adi := p.Therapists[0]
	if len(adi.Hours[time.Sunday]) != 2 || len(adi.Hours[time.Friday]) != 0 || len(adi.DaysOff) != 3 {
		t.Fatalf("adi = %+v", adi)
	}
	if s := p.Services[0]; s.Price.Amount != 35000 || s.Names["he"] != "פגישת טיפול" || s.Duration != 50*time.Minute {
		t.Fatalf("service = %+v", s)
	}
	if p.Policy.Tiers[1] != (tori.RefundTier{MinNotice: 24 * time.Hour, Percent: 50}) {
		t.Fatalf("tiers = %+v", p.Policy.Tiers)
	}
	if pp := p.Privacy; pp != (tori.PrivacyPolicy{KeepPersonal: tori.Period{Months: 24}, KeepMoney: tori.Period{Years: 7}}) {
		t.Fatalf("privacy = %+v", pp)
	}
	if w := p.Waitlist; w != (tori.WaitlistPolicy{OfferWindow: 15 * time.Minute, AllowShortNotice: true, MaxEntries: 5, MaxDays: 31}) {
		t.Fatalf("waitlist = %+v", w)
	}
	if sp := p.Series; sp != (tori.SeriesPolicy{MaxOccurrences: 26, Ahead: 56 * 24 * time.Hour, PayBefore: 72 * time.Hour}) {
		t.Fatalf("series = %+v", sp)
	}
	if cp := p.Clients; cp != (tori.ClientsPolicy{InviteValid: 7 * 24 * time.Hour, CountryCode: "972"}) {
		t.Fatalf("clients = %+v", cp)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	base, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"Typo", "buffer_after: 10m\n    price: 350", "buffer_after: 10m\n    pricee: 350", `line %d: there is no field "pricee" here`},
		{"BadZone", "time_zone: Asia/Jerusalem", "time_zone: Asia/Jeruslem", `practice.time_zone "Asia/Jeruslem" is not an IANA time zone`},
		{"BadDuration", "duration: 50m\n    buffer_after: 10m\n    price: 350", "duration: fifty\n    buffer_after: 10m\n    price: 350", `services[0].duration "fifty" is not a duration`},
		{"BadHours", `tue: ["09:00-13:00"]`, `tue: ["9-13"]`, `therapists[0].hours.tue: "9-13" is not a range like "09:00-13:00"`},
		{"BadWeekday", `tue: ["09:00-13:00"]`, `tuesday: ["09:00-13:00"]`, `therapists[0].hours.tuesday: use the weekdays`},
		{"BadPrice", "price: 350\n", "price: 350.555\n", `services[0].price: amount "350.555" is not a number with at most 2 decimals`},
		{"BadDayOff", `days_off: ["2026-12-24..2026-12-26"]`, `days_off: ["24/12/2026"]`, `therapists[0].days_off: "24/12/2026" is not a date written as YYYY-MM-DD`},
		{"UnknownTherapist", "therapists: [adi]", "therapists: [dana]", `services[0].therapists names "dana", who is not in therapists`},
		{"TierWithoutPercent", "percent: 50", "", `policy.refund_tiers[1].percent is missing`},
		{"BadOfferWindow", "offer_window: 15m", "offer_window: 30s", `waitlist.offer_window is 30s: use a duration from 2m to 24h`},
		{"NotYAML", "practice:", "practice: [", `the file must be YAML shaped like tori.example.yaml`},
		{"LocalZone", "time_zone: Asia/Jerusalem", "time_zone: Local", `practice.time_zone "Local" is not an IANA time zone`},
		{"NegativeAgenda", `at: "07:30"`, `at: "-1:30"`, `agenda.at "-1:30": write a time such as "07:30", or off`},
		{"HugeDays", "min_notice: 2h", "min_notice: 281474976710657d", `policy.min_notice "281474976710657d" is more than ten years`},
		{"NegativeDuration", "min_notice: 2h", "min_notice: -2h", `policy.min_notice "-2h" is negative`},
		{"BadPeriod", "keep_personal: 24 months", "keep_personal: 24m", `privacy.keep_personal: "24m": write months as "mo" or "months"`},
		{"NotAPeriod", "keep_money_records: 7 years", "keep_money_records: seven", `privacy.keep_money_records: "seven" is not a period`},
		{"MoneyShorter", "keep_money_records: 7 years", "keep_money_records: 1 year", `privacy.keep_money_records (1 year) is shorter than privacy.keep_personal (24 months)`},
		{"SeriesTooLong", "max_occurrences: 26", "max_occurrences: 500", `series.max_occurrences is 500: use a number from 2 to 104`},
		{"SeriesAheadNotWeeks", "ahead: 8w", "ahead: eightw", `series.ahead "eightw" is not a number of weeks`},
		{"SeriesAheadTooShort", "ahead: 8w", "ahead: 3d", `series.ahead is 3d: use whole days or weeks from 1w to 52w`},
		{"BadHolidays", "holidays: israel", "holidays: jewish", `practice.holidays "jewish": use israel`},
		{"BadHolidaysAlso", "holidays_also: [yom_haatzmaut]", "holidays_also: [independence_day]", `practice.holidays_also[0] "independence_day" is not a holiday tori knows: use one of yom_haatzmaut, yom_hazikaron, yom_hashoah, purim, tisha_bav`},
		{"AlsoWithoutHolidays", "holidays: israel", "holidays: none", `practice.holidays_also and erev_chag_until need practice.holidays: israel`},
		{"BadErev", `erev_chag_until: "13:00"`, `erev_chag_until: "1pm"`, `practice.erev_chag_until "1pm": write the time the practice closes`},
		{"BadOpenOn", "open_on: []", "open_on: [pesach]", `therapists[0].open_on[0]: "pesach" is neither a date written as YYYY-MM-DD nor a holiday's id`},
		{"OpenOnNotClosed", "open_on: []", "open_on: [purim]", `therapists[0].open_on[0]: the practice does not close on purim: add it to practice.holidays_also`},
		{"InviteTooShort", "invite_valid: 7d", "invite_valid: 30m", `clients.invite_valid 30m0s is out of range: write a duration from 1h to 90d`},
		{"InviteNotADuration", "invite_valid: 7d", "invite_valid: a week", `clients.invite_valid "a week" is not a duration`},
		{"BadCountryCode", `country_code: "972"`, `country_code: "+0972"`, `clients.country_code "0972" is not a calling code`},
		{"SeriesPayBeforeTooLong", "pay_before: 72h", "pay_before: 40d", `series.pay_before is 40d: use a duration from 1h to 28d`},
		{"SeriesPayBeforeNotADuration", "pay_before: 72h", "pay_before: soon", `series.pay_before "soon" is not a duration`},
		{"PayWithinTooLong", "pay_within: 24h", "pay_within: 30d", `practice_bookings.pay_within is 30d: use a duration from 1h to 14d`},
		{"PayWithinNotDuration", "pay_within: 24h", "pay_within: a day", `practice_bookings.pay_within "a day" is not a duration`},
		{"ZeroPersonal", "keep_personal: 24 months", "keep_personal: 0 days", `privacy.keep_personal must be at least a day`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(base)
			if !strings.Contains(text, tt.from) {
				t.Fatalf("example has no %q", tt.from)
			}
			edited := strings.Replace(text, tt.from, tt.to, 1)
			want := tt.want
			if strings.Contains(want, "%d") { // the line the edit put the typo on
				want = fmt.Sprintf(want, strings.Count(edited[:strings.Index(edited, "pricee")], "\n")+1)
			}
			_, err := parsePractice([]byte(edited))
			if err == nil || !strings.Contains(tori.ErrorMessage(err), want) {
				t.Fatalf("error = %q, want it to contain %q", tori.ErrorMessage(err), want)
			}
		})
	}
}

// TestConfigErrorKeepsItsCause: tori.yaml's refusal reads as before (the
// path, then the message a person reads) and still carries the domain
// error, code and all, for errors.As and tori.ErrorCode.
func TestConfigErrorKeepsItsCause(t *testing.T) {
	base, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/tori.yaml"
	bad := strings.Replace(string(base), "time_zone: Asia/Jerusalem", "time_zone: Asia/Jeruslem", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err = loadPractice(path)
	want := path + `: practice.time_zone "Asia/Jeruslem" is not an IANA time zone`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %v, want it to start with %q", err, want)
	}
	var te *tori.Error
	if !errors.As(err, &te) || tori.ErrorCode(err) != tori.EINVALID {
		t.Errorf("error %q lost its cause: code %q, want %q", err, tori.ErrorCode(err), tori.EINVALID)
	}
}
