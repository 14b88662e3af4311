// Package testpractice is the practice the tests of every package book
// against, built once here instead of copied into each package's tests.
package testpractice

import (
	"time"

	"github.com/tori-bot/tori"
)

// Span is the span from a to b, both "HH:MM"; it panics on a bad time.
func Span(a, b string) tori.Span {
	s, err := tori.ParseMinute(a)
	if err != nil {
		panic(err)
	}
	e, err := tori.ParseMinute(b)
	if err != nil {
		panic(err)
	}
	return tori.Span{Start: s, End: e}
}

// Weekdays is the same spans on every day from Sunday to Thursday.
func Weekdays(spans ...tori.Span) tori.WeeklyHours {
	var h tori.WeeklyHours
	for d := time.Sunday; d <= time.Thursday; d++ {
		h[d] = spans
	}
	return h
}

// Location is the named time zone; it panics when the zone is unknown.
func Location(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// New is Tel Aviv Therapy, in Asia/Jerusalem, staff 9500. Adi (Telegram
// ids 9001, 9011; Hebrew) works Sunday to Thursday 09:00-13:00 and
// 15:00-19:00; Noa (9002) 12:00-20:00. "talk" is 50 min + 10 buffer with
// either, at the session (₪350); "video" remote 45 min with Adi, with a
// link (₪300.50); "intake" 60 min with Adi, prepaid ₪350.50; "couple" 60
// min with Noa, a 30% deposit of ₪600.
//
// Each call returns a new practice, which a test may change and then
// Validate again (or pass to Valid).
func New() *tori.Practice {
	ils := func(n int64) tori.Money { return tori.Money{Amount: n, Currency: "ILS"} }
	p := &tori.Practice{
		Name: "Tel Aviv Therapy", Location: Location("Asia/Jerusalem"), Language: "en", Address: "1 Herzl St, Tel Aviv",
		Contact: "03-555-0100 or office@tlvtherapy.example",
		Therapists: []tori.Therapist{
			{ID: "adi", Name: "Adi Levi", TelegramIDs: []int64{9001, 9011}, Hours: Weekdays(Span("09:00", "13:00"), Span("15:00", "19:00")), Lang: "he"},
			{ID: "noa", Name: "Noa Cohen", TelegramIDs: []int64{9002}, Hours: Weekdays(Span("12:00", "20:00"))},
		},
		Services: []tori.Service{
			{ID: "talk", Names: map[string]string{"en": "Talk session", "he": "פגישת שיחה"}, Duration: 50 * time.Minute, BufferAfter: 10 * time.Minute, Price: ils(35000)},
			{ID: "video", Names: map[string]string{"en": "Video session", "he": "פגישת וידאו"}, Duration: 45 * time.Minute, Price: ils(30050), Remote: true, MeetingLink: "https://meet.example/adi", TherapistIDs: []string{"adi"}},
			{ID: "intake", Names: map[string]string{"en": "Intake", "he": "פגישת היכרות"}, Duration: 60 * time.Minute, Price: ils(35050), Payment: tori.PayFull, TherapistIDs: []string{"adi"}},
			{ID: "couple", Names: map[string]string{"en": "Couples session", "he": "טיפול זוגי"}, Duration: 60 * time.Minute, Price: ils(60000), Payment: tori.PayDeposit, DepositPercent: 30, TherapistIDs: []string{"noa"}},
		},
		Policy: tori.DefaultPolicy(),
		Staff:  []int64{9500},
	}
	return Valid(p)
}

// Valid validates p (which fills its defaults) and returns it; it panics
// when p is not valid, a mistake in the test.
func Valid(p *tori.Practice) *tori.Practice {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}
