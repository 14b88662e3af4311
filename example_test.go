package tori_test

import (
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

// TestStandingRule: a standing client's series has its next session on
// the first of its weekday after today (a week on when today is that
// day), at its time in the practice's zone, with the sessions already
// held the same wall-clock time every week before it, across a clock
// change; the practice booked it, paid at the session.
func TestStandingRule(t *testing.T) {
	p := practice()
	loc := p.Location
	s := tori.Standing{Client: tori.Client{ID: 7, ChatID: 7, Name: "Yael"}, TherapistID: "adi", ServiceID: "talk",
		Weekday: time.Tuesday, At: 10 * 60, Every: 1, Count: 12, Held: 2}
	for _, tc := range []struct {
		name      string
		now       time.Time
		s         tori.Standing
		wantFirst time.Time
	}{
		{"Sunday", time.Date(2026, 12, 6, 9, 0, 0, 0, loc), s, time.Date(2026, 11, 24, 10, 0, 0, 0, loc)},
		{"the day itself", time.Date(2026, 12, 8, 8, 0, 0, 0, loc), s, time.Date(2026, 12, 1, 10, 0, 0, 0, loc)},
		{"across the clocks' change", time.Date(2026, 11, 2, 9, 0, 0, 0, loc), s, time.Date(2026, 10, 20, 10, 0, 0, 0, loc)},
		{"every other week", time.Date(2026, 12, 6, 9, 0, 0, 0, loc), func() tori.Standing { s := s; s.Every = 2; return s }(), time.Date(2026, 11, 10, 10, 0, 0, 0, loc)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.s.Rule(p, tc.now)
			if !r.First.Equal(tc.wantFirst) || r.First.In(loc).Hour() != 10 {
				t.Fatalf("first session %s, want %s", r.First.In(loc), tc.wantFirst)
			}
			if r.Every != tc.s.Every || r.Count != 12 || r.Client != s.Client || !r.ByPractice || !r.Anyway || !r.PayAtSession {
				t.Fatalf("rule %+v", r)
			}
		})
	}
}
