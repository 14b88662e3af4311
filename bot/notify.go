package bot

import (
	"strconv"

	"github.com/tori-bot/tori"
)

// notify tells every Telegram id of the appointment's therapist what
// happened, in the therapist's language: who (name, @username), what, when.
func (c *turn) notify(a tori.Appointment, id string, extra map[string]any) {
	t, ok := c.practice.Therapist(a.TherapistID)
	if !ok {
		return
	}
	lang := t.Lang
	if lang == "" {
		lang = c.practice.Language
	}
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{
		"Client":   clientRef(lang, a.Client),
		"Service":  iso(lang, s.Name(lang, c.practice.Language)),
		"When":     c.whenRange(lang, a.Start, a.End),
		"Price":    c.price(lang, a.Price),
		"Lang":     c.cat.T(lang, "lang."+a.Client.Lang, nil),
		"Waitlist": a.Offer != "",
	}
	if from, ok := extra["From"].(tori.Appointment); ok {
		data["From"] = c.whenRange(lang, from.Start, from.End)
	}
	if t, ok := extra["Terms"].(tori.CancelTerms); ok {
		data["Notice"] = c.notice(lang, t.Notice)
		data["Percent"] = t.Tier.Percent
		data["Forgiven"] = t.Forgiven
	}
	if a.Paid.Amount > 0 {
		data["Paid"] = c.price(lang, a.Paid)
		if a.Paid != a.Price {
			data["Rest"] = c.price(lang, a.Price.Sub(a.Paid))
		}
	}
	if c, ok := extra["Capture"].(string); ok {
		data["Capture"] = esc(c)
		data["Tries"] = extra["Tries"]
	}
	if a.RefundDue.Amount > 0 {
		data["Refund"] = c.price(lang, a.RefundDue)
		if a.RefundState == tori.RefundRefunded {
			data["Refund"] = c.price(lang, a.Refunded)
		}
		data["RefundPending"] = a.RefundState == tori.RefundPending
	}
	text := c.cat.T(lang, id, data)
	for _, chat := range t.TelegramIDs {
		c.res.Replies = append(c.res.Replies, Reply{ChatID: chat, Text: text})
	}
}

// clientRef names a client for the therapist: a link to their Telegram
// profile, and their @username when they have one.
func clientRef(lang string, cl tori.Client) string {
	name := cl.Name
	if name == "" {
		name = "#" + strconv.FormatInt(cl.ID, 10)
	}
	ref := `<a href="tg://user?id=` + strconv.FormatInt(cl.ID, 10) + `">` + iso(lang, name) + `</a>`
	if cl.Username != "" {
		ref += " " + ltr(lang, "@"+esc(cl.Username))
	}
	return ref
}
