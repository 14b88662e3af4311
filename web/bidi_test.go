package web

import (
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/bidi"
)

// testPages are the pages of a practice with one therapist, Adi Levi, and
// one prepaid service, for rendering without storage; their clock stands
// at 10:05 on Thursday 3 December 2026.
func testPages(t *testing.T) (*Pages, tori.Appointment) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jerusalem")
	if err != nil {
		t.Fatal(err)
	}
	var hours tori.WeeklyHours
	hours[time.Thursday] = []tori.Span{{Start: 9 * 60, End: 17 * 60}}
	p := &tori.Practice{Name: "Tel Aviv Therapy", Location: loc, Language: "en", Address: "1 Herzl St, Tel Aviv", Policy: tori.DefaultPolicy(),
		Therapists: []tori.Therapist{{ID: "adi", Name: "Adi Levi", TelegramIDs: []int64{9001}, Hours: hours}},
		Services: []tori.Service{{ID: "intake", Names: map[string]string{"en": "Intake", "he": "פגישת היכרות"}, Duration: time.Hour,
			Price: tori.Money{Amount: 35050, Currency: "ILS"}, Payment: tori.PayFull}},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 5, 0, 0, loc)
	clock := func() time.Time { return now }
	b, err := bot.New(bot.Config{Practice: p, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	pages := New(Config{Bot: b, Bookings: &tori.Bookings{Practice: p}, Now: clock})
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, loc).AddDate(0, 0, 7)
	price := tori.Money{Amount: 35050, Currency: "ILS"}
	a := tori.Appointment{ServiceID: "intake", TherapistID: "adi", Start: start, End: start.Add(time.Hour), Status: tori.StatusHeld,
		HoldUntil: now.Add(10 * time.Minute), Due: price, Paid: price, ApproveURL: "https://paypal.example/approve?token=O1",
		Client: tori.Client{ID: 102, ChatID: 102, Name: "עומר", Lang: "he"}}
	return pages, a
}

var mainTag = regexp.MustCompile(`(?s)<title>(.*)</title>.*<main>(.*)</main>`)
var anyTag = regexp.MustCompile(`<[^>]+>`)

// shown renders p and returns its title and the text of its main part,
// as a browser reads them (tags out, entities decoded).
func (p *Pages) shown(t *testing.T, pg page) string {
	t.Helper()
	w := httptest.NewRecorder()
	p.render(w, pg)
	m := mainTag.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no title or main in:\n%s", w.Body)
	}
	if want := `<html lang="` + pg.Lang + `" dir="` + bidi.Dir(pg.Lang) + `">`; !strings.Contains(w.Body.String(), want) {
		t.Fatalf("the page does not begin %s:\n%s", want, w.Body)
	}
	return html.UnescapeString(m[1] + "\n" + anyTag.ReplaceAllString(m[2], " "))
}

// TestHebrewPagesIsolateFacts: every page a buyer can come back to from
// PayPal, in Hebrew, keeps its times, ranges and amounts in left-to-right
// isolates and its names and dates in isolates of their own: the session
// reads 10:00–11:00 (start first), not 11:00–10:00, and the range does
// not break at its dash.
func TestHebrewPagesIsolateFacts(t *testing.T) {
	p, a := testPages(t)
	var (
		rng   = bidi.LTR("10:00" + bidi.WJ + "–" + bidi.WJ + "11:00")
		when  = bidi.FSI + "יום חמישי, 10 בדצמבר 2026, " + rng + bidi.PDI
		until = bidi.FSI + bidi.LTR("10:15") + bidi.PDI
		money = bidi.LTR("350.50\u00a0₪")
		adi   = bidi.FSI + "Adi Levi" + bidi.PDI
	)
	paid, cancelled := a, a
	paid.Status, paid.PayState = tori.StatusConfirmed, tori.PayStatePaid
	cancelled.Status, cancelled.PayState = tori.StatusCancelledByPractice, tori.PayStatePaid
	expired := a
	expired.HoldUntil = time.Date(2026, 12, 3, 10, 0, 0, 0, a.HoldUntil.Location())
	pages := []struct {
		name string
		p    page
		want []string
	}{
		{"paid", p.outcomePage(tori.PaymentResult{Outcome: tori.PaidNow, Appointment: paid}), []string{when, adi}},
		{"booking_cancelled", p.outcomePage(tori.PaymentResult{Outcome: tori.PaidNow, Appointment: cancelled}), []string{when, adi}},
		{"lost", p.outcomePage(tori.PaymentResult{Outcome: tori.PaidTimeLost, Appointment: a}), []string{money}},
		{"taken", p.outcomePage(tori.PaymentResult{Outcome: tori.PayTaken, Appointment: a}), []string{when}},
		{"declined", p.outcomePage(tori.PaymentResult{Outcome: tori.PayDeclined, Appointment: a}), []string{until, "תשלום " + money}},
		{"pending", p.outcomePage(tori.PaymentResult{Outcome: tori.PayPending, Appointment: a}), nil},
		{"not_approved", p.outcomePage(tori.PaymentResult{Outcome: tori.PayNotApproved, Appointment: a}), []string{when, until, money}},
		{"expired", p.outcomePage(tori.PaymentResult{Outcome: tori.PayDenied, Appointment: a}), []string{when}},
		{"cancelled", p.cancelPage(a), []string{when, until, money}},
		{"cancelled_expired", p.cancelPage(expired), []string{when}},
		{"unknown", p.unknownPage(), nil},
	}
	for _, c := range pages {
		t.Run(c.name, func(t *testing.T) {
			if c.p.Lang != "he" && c.name != "unknown" {
				t.Fatalf("the page is in %q, not in the client's Hebrew", c.p.Lang)
			}
			text := p.shown(t, c.p)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("the page lacks %q:\n%q", w, text)
				}
			}
			if c.p.Lang == "he" {
				if bare := bidi.Bare(text); len(bare) > 0 {
					t.Errorf("outside any isolate: %q in\n%q", bare, text)
				}
				if !strings.Contains(text, "· "+bidi.Auto("Tel Aviv Therapy")) {
					t.Errorf("the title does not isolate the practice's name: %q", text)
				}
			}

		})
	}
}

// TestEnglishPagesPlain: the English pages carry no isolates, and their
// ranges do not break at the dash either.
func TestEnglishPagesPlain(t *testing.T) {
	p, a := testPages(t)
	a.Client.Lang = "en"
	for _, pg := range []page{
		p.outcomePage(tori.PaymentResult{Outcome: tori.PayNotApproved, Appointment: a}),
		p.cancelPage(a),
	} {
		text := p.shown(t, pg)
		if strings.ContainsAny(text, bidi.LRI+bidi.RLI+bidi.FSI+bidi.PDI) {
			t.Errorf("an English page with isolates: %q", text)
		}
		for _, w := range []string{"Thursday 10 December 2026, 10:00" + bidi.WJ + "–" + bidi.WJ + "11:00", "10:15", "₪350.50"} {
			if !strings.Contains(text, w) {
				t.Errorf("the page lacks %q:\n%q", w, text)
			}
		}
	}
}
