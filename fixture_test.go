package tori_test

import (
	"time"

	"github.com/tori-bot/tori"
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func span(a, b string) tori.Span {
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

// practice is a small valid practice in Asia/Jerusalem: Adi works Sunday to
// Thursday 09:00–13:00 and 15:00–19:00; Noa works Sunday to Thursday
// 12:00–20:00. "talk" is 50 minutes plus a 10-minute buffer, with either;
// "intake" is 90 minutes, Adi only, prepaid in full (₪350.50); "couple" is
// 60 minutes with Noa, a 30% deposit of ₪600.
func practice() *tori.Practice {
	var adi, noa tori.WeeklyHours
	for d := time.Sunday; d <= time.Thursday; d++ {
		adi[d] = []tori.Span{span("09:00", "13:00"), span("15:00", "19:00")}
		noa[d] = []tori.Span{span("12:00", "20:00")}
	}
	p := &tori.Practice{
		Name:     "Test Practice",
		Location: mustLoad("Asia/Jerusalem"),
		Language: "en",
		Address:  "1 Herzl St, Tel Aviv",
		Therapists: []tori.Therapist{
			{ID: "adi", Name: "Adi", TelegramIDs: []int64{9001}, Hours: adi},
			{ID: "noa", Name: "Noa", TelegramIDs: []int64{9002}, Hours: noa},
		},
		Services: []tori.Service{
			{ID: "talk", Names: map[string]string{"en": "Talk session", "he": "פגישת שיחה"}, Duration: 50 * time.Minute, BufferAfter: 10 * time.Minute, Price: tori.Money{Amount: 35000, Currency: "ILS"}},
			{ID: "intake", Names: map[string]string{"en": "Intake"}, Duration: 90 * time.Minute, Price: tori.Money{Amount: 35050, Currency: "ILS"}, Payment: tori.PayFull, TherapistIDs: []string{"adi"}},
			{ID: "couple", Names: map[string]string{"en": "Couples session"}, Duration: 60 * time.Minute, Price: tori.Money{Amount: 60000, Currency: "ILS"}, Payment: tori.PayDeposit, DepositPercent: 30, TherapistIDs: []string{"noa"}},
		},
		Policy: tori.DefaultPolicy(),
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}
