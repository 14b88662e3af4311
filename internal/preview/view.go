package preview

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// cast makes the people the page can be: two clients, and everyone of
// the practice who gets its messages (therapists, then staff).
func (p *Preview) cast() {
	p.mu.Lock()
	defer p.mu.Unlock()
	taken := func(id int64) bool { _, ok := p.people[id]; return ok }

	// The practice: its therapists, then its staff.
	for _, t := range p.practice.Therapists {
		for _, id := range t.TelegramIDs {
			if !taken(id) {
				p.people[id] = &person{Role: "practice", User: telegramtest.User{ID: id, FirstName: t.Name, LanguageCode: cmp.Or(t.Lang, p.practice.Language)}}
				p.staff = append(p.staff, id)
			}
		}
	}
	for _, id := range p.practice.Staff {
		if !taken(id) {
			p.people[id] = &person{Role: "practice", User: telegramtest.User{ID: id, FirstName: "Staff " + strconv.FormatInt(id, 10), LanguageCode: p.practice.Language}}
			p.staff = append(p.staff, id)
		}
	}

	// Two clients, with ids no one of the practice has.
	id := int64(1001)
	for _, c := range []telegramtest.User{{FirstName: "Dana", LastName: "Levi", LanguageCode: "en"}, {FirstName: "Noa", LastName: "Cohen", LanguageCode: "he"}} {
		for taken(id) {
			id++
		}
		c.ID = id
		p.people[id] = &person{Role: "client", User: c}
		p.clients = append(p.clients, id)
	}

	// The practice has pressed Start in its chats, so the bot may write to them.
	for _, id := range p.staff {
		p.tg.Open(id)
	}
}

// personView is one of the people the page can be.
type personView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Lang string `json:"lang"`
	Role string `json:"role"`
}

// stateView is what the page shows besides the chats: the people one can
// be, and the clock.
type stateView struct {
	Practice   string       `json:"practiceName"`
	Now        time.Time    `json:"now"`
	NowText    string       `json:"nowText"` // in the practice's time zone
	TimeZone   string       `json:"timeZone"`
	Ahead      string       `json:"ahead"` // how far the clock was moved, "" if not
	Redis      string       `json:"redis"`
	Clients    []personView `json:"clients"`
	Practicing []personView `json:"practice"`
}

func (p *Preview) state() stateView {
	now := p.clock.Now().In(p.practice.Location)
	v := stateView{Practice: p.practice.Name, Now: now, NowText: now.Format("Mon 2 Jan 2006, 15:04"), TimeZone: p.practice.Location.String(), Redis: p.redis}
	if a := p.clock.Ahead(); a > 0 {
		v.Ahead = "+" + human(a)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	view := func(id int64) personView {
		u := p.people[id]
		return personView{ID: id, Name: strings.TrimSpace(u.User.FirstName + " " + u.User.LastName), Lang: u.User.LanguageCode, Role: u.Role}
	}

	for _, id := range p.clients {
		v.Clients = append(v.Clients, view(id))
	}
	for _, id := range p.staff {
		v.Practicing = append(v.Practicing, view(id))
	}
	return v
}

// human writes a duration as days, hours and minutes.
func human(d time.Duration) string {
	d = d.Round(time.Minute)
	var parts []string
	if days := d / (24 * time.Hour); days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	return strings.Join(parts, " ")
}

// item is one bubble of a chat: a message of the bot's, or a text the
// person sent.
type item struct {
	From    string                  `json:"from"` // "bot" or "me"
	ID      int                     `json:"id,omitempty"`
	HTML    string                  `json:"html,omitempty"` // the bot's Telegram HTML, as sent; the page renders only Telegram's tags
	Text    string                  `json:"text,omitempty"` // what the person typed
	Buttons [][]telegramtest.Button `json:"buttons,omitempty"`
	Edited  bool                    `json:"edited,omitempty"`
	File    string                  `json:"file,omitempty"` // a document's file name; fetched from /preview/api/file
}

type chatView struct {
	Version string `json:"version"`
	Items   []item `json:"items"`
}

// version names a state of a chat: it changes with every message sent or
// edited and every text typed (a hash of the message ids, their edit
// counts and the number of texts typed).
func version(ms []telegramtest.Message, typed int) string {
	h := fnv.New64a()
	for _, m := range ms {
		fmt.Fprintf(h, "%d.%d-", m.ID, m.Edits)
	}
	fmt.Fprintf(h, "t%d", typed)
	return strconv.FormatUint(h.Sum64(), 36)
}

func (p *Preview) chat(id int64, ms []telegramtest.Message) chatView {
	p.mu.Lock()
	typed := slices.Clone(p.said[id])
	p.mu.Unlock()

	v := chatView{Version: version(ms, len(typed)), Items: []item{}}
	next := 0
	flush := func(upTo int) {
		for next < len(typed) && typed[next].After <= upTo {
			v.Items = append(v.Items, item{From: "me", Text: typed[next].Text})
			next++
		}
	}

	// The bot's messages in order, each after the texts typed before it.
	for _, m := range ms {
		flush(m.ID - 1)
		it := item{From: "bot", ID: m.ID, HTML: m.Text, Buttons: m.Keyboard, Edited: m.Edits > 0}
		if m.File != nil {
			it.File = m.File.Name
		}
		v.Items = append(v.Items, it)
	}
	flush(math.MaxInt)
	return v
}
