package main

import (
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/tori-bot/tori"
	"gopkg.in/yaml.v3"
)

// exampleDomain matches the names RFC 2606 keeps for examples, which
// reach no one.
var exampleDomain = regexp.MustCompile(`(?i)\bexample\.(com|net|org)\b`)

// exampleConfig is what placeholders compares with: tori.example.yaml.
var exampleConfig = sync.OnceValue(func() fileConfig {
	var f fileConfig
	yaml.Unmarshal(tori.ExampleConfig, &f) // the example's own test checks it parses
	return f
})

// placeholders says what a practice still has of tori.example.yaml that
// no real practice means: the example's name and Telegram ids (nobody
// would be told of a booking) and example.com addresses. tori check shows
// them and a live start logs them; neither refuses them.
func placeholders(p *tori.Practice) []string {
	ex := exampleConfig()
	var exIDs []int64
	for _, t := range ex.Therapists {
		exIDs = append(exIDs, t.TelegramIDs...)
	}
	exIDs = append(exIDs, ex.Practice.Staff...)

	var out []string
	if p.Name == ex.Practice.Name {
		out = append(out, "practice.name is still the example's: write your practice's name, which clients see in every greeting")
	}

	// The example's Telegram ids.
	ids := func(field string, list []int64) {
		for _, id := range list {
			if slices.Contains(exIDs, id) {
				out = append(out, fmt.Sprintf("%s has %d, the example's id: put the person's own numeric Telegram id (ask @userinfobot), or nobody is told of bookings", field, id))
			}
		}
	}
	for i, t := range p.Therapists {
		ids(fmt.Sprintf("therapists[%d].telegram_ids", i), t.TelegramIDs)
	}
	ids("practice.staff", p.Staff)

	// Its example.com addresses.
	addr := func(field, v string) {
		if exampleDomain.MatchString(v) {
			out = append(out, field+" has an example.com address, which reaches no one: write your own")
		}
	}
	addr("practice.contact", p.Contact)
	addr("practice.address", p.Address)
	for i, s := range p.Services {
		addr(fmt.Sprintf("services[%d].meeting_link", i), s.MeetingLink)
	}
	return out
}
