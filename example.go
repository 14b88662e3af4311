package tori

import (
	_ "embed" // tori.example.yaml, below
	"time"
)

// ExampleConfig is tori.example.yaml, the documented example practice.
// The local preview shows it when there is no tori.yaml yet.
//
//go:embed tori.example.yaml
var ExampleConfig []byte

// Standing is a client who comes at the same time every week or every
// other week, already booked: the preview's example practice has one in
// its agenda, so a standing series is there to see.
type Standing struct {
	Client      Client
	TherapistID string
	ServiceID   string
	Weekday     time.Weekday
	At          Minute // the time of day, in the practice's zone
	Every       int    // weeks from one session to the next: 1 or 2
	Count       int    // sessions in the series
	Held        int    // sessions of it already past when the preview opens
}

// ExampleStanding is the example practice's standing client: weekly with
// Adi on Tuesdays at 10:00, twelve sessions of which two are past, so the
// agenda's next one reads "weekly, 3 of 12".
var ExampleStanding = []Standing{{
	Client:      Client{ID: 2001, ChatID: 2001, Name: "Yael Mizrahi", Lang: "he"},
	TherapistID: "adi", ServiceID: "talk", Weekday: time.Tuesday, At: 10 * 60, Every: 1, Count: 12, Held: 2,
}}

// Rule is s as the series the practice booked: its next session on the
// first Weekday at At after now's day, with Held sessions before it.
func (s Standing) Rule(p *Practice, now time.Time) SeriesRule {
	local := now.In(p.Location)
	ahead := (int(s.Weekday)-int(local.Weekday())+6)%7 + 1 // 1 to 7 days: never today
	back := 7 * s.Every * s.Held
	first := time.Date(local.Year(), local.Month(), local.Day()+ahead-back, int(s.At)/60, int(s.At)%60, 0, 0, p.Location)
	return SeriesRule{TherapistID: s.TherapistID, ServiceID: s.ServiceID, Client: s.Client, First: first,
		Every: s.Every, Count: s.Count, ByPractice: true, Anyway: true, PayAtSession: true}
}
