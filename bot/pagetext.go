package bot

import (
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
)

// PageText is the catalog message id in lang with data, unescaped: the web
// pages (package web) take their words from the chat's catalogs through it
// and the functions below, raw, as the page template escapes them.
func (b *Bot) PageText(lang, id string, data map[string]any) string { return b.cat.T(lang, id, data) }

// LangOf is the language a's client reads: theirs when the catalogs have
// it, else the practice's.
func (b *Bot) LangOf(a tori.Appointment) string {
	if a.Client.Lang == "en" || a.Client.Lang == "he" {
		return a.Client.Lang
	}
	return b.practice.Language
}

// PageFacts are the values pages may show of a booking, unescaped. In
// Hebrew each is isolated as in the chat: times, ranges and amounts left
// to right, names and dates as they begin.
func (b *Bot) PageFacts(lang string, a tori.Appointment) map[string]any {
	s, _ := b.practice.Service(a.ServiceID)
	t, _ := b.practice.Therapist(a.TherapistID)
	return map[string]any{
		"Service":   bidi.AutoIn(lang, s.Name(lang, b.practice.Language)),
		"Therapist": bidi.AutoIn(lang, t.Name),
		"When":      bidi.AutoIn(lang, b.whenRange(lang, a.Start, a.End)),
		"Until":     bidi.AutoIn(lang, b.until(lang, a.HoldUntil, b.now())),
		"Paid":      ltr(lang, a.Paid.Format(lang)),
		"Due":       ltr(lang, a.Due.Format(lang)),
		"Pending":   a.RefundState == tori.RefundPending,
	}
}

// ChatURL is the link back to the bot's chat (https://t.me/ and its
// @username, once Telegram told it).
func (b *Bot) ChatURL() string { return "https://t.me/" + b.username }
