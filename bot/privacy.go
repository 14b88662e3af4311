package bot

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// privacyUC is the privacy use cases, or nil when the store keeps none.
func (c *turn) privacyUC() *tori.Privacy { return c.Bot.privacy }

// privacy (/privacy) shows what tori keeps about the client, with their
// own counts, and offers a copy (export) and its erasure (eraseAsk). Every
// button acts on the sender's own data and nobody else's.
func (c *turn) privacy() {
	p, r, ok := c.record("privacy")
	if !ok {
		return
	}

	pol := p.Policy()
	c.show(c.t("privacy.intro", map[string]any{
		"Practice":     iso(c.lang, c.practice.Name),
		"KeepPersonal": c.period(pol.KeepPersonal),
		"KeepMoney":    c.period(pol.KeepMoney),
		"Now":          c.recordSummary(r),
	}), [][]Button{
		{{Text: c.t("button.privacy_export", nil), Data: cb(vPrivacyExport)}},
		{{Text: c.t("button.privacy_erase", nil), Data: cb(vPrivacyErase)}},
		{{Text: c.t("button.menu", nil), Data: cb(vMenu)}},
	})
}

// record reads the sender's record; false (and the user told why) when
// it cannot.
func (c *turn) record(op string) (*tori.Privacy, tori.ClientRecord, bool) {
	p := c.privacyUC()
	if p == nil {
		c.show(c.t("privacy.unavailable", c.withContact(nil)), c.menuKeyboard())
		return nil, tori.ClientRecord{}, false
	}

	read := p.Record
	if op == "export" {
		read = p.Export
	}
	r, err := read(c.ctx, c.client())
	if err != nil {
		c.fail(op, err)
		return nil, tori.ClientRecord{}, false
	}
	return p, r, true
}

// recordSummary is the client's record in a few plain lines.
func (c *turn) recordSummary(r tori.ClientRecord) string {
	upcoming := 0
	for _, a := range r.Appointments {
		if a.Upcoming(c.now) {
			upcoming++
		}
	}

	name, username := r.Client.Name, ""
	if name == "" {
		name = c.in.User.Name
	}
	if r.Client.Username != "" {
		username = ltr(c.lang, esc("@"+r.Client.Username))
	}

	return c.t("privacy.summary", map[string]any{
		"Name":     iso(c.lang, name),
		"Username": username,
		"Bookings": len(r.Appointments),
		"Upcoming": upcoming,
		"Notes":    r.Notes(),
		"Withheld": r.Notes() > 0 && c.privacyUC().Policy().WithholdNotes,
		"Strikes":  len(r.Strikes),
		"Waitlist": len(r.Waitlist),
		"Pending":  len(r.Pending),
		"Relayed":  r.Relayed,
	})
}

// period writes "24 months", "7 years" in the client's language.
func (c *turn) period(p tori.Period) string { return c.Bot.period(c.lang, p) }

func (b *Bot) period(lang string, p tori.Period) string {
	var parts []string
	for _, u := range []struct {
		n  int
		id string
	}{{p.Years, "period.years"}, {p.Months, "period.months"}, {p.Days, "period.days"}} {
		if u.n > 0 {
			parts = append(parts, b.cat.N(lang, u.id, u.n, nil))
		}
	}
	return strings.Join(parts, " ")
}

// onPrivacyButton handles the privacy buttons; false when a is not one.
func (c *turn) onPrivacyButton(a Action) bool {
	switch a.Verb {
	case vPrivacy:
		c.privacy()
	case vPrivacyExport:
		c.export()
	case vPrivacyErase:
		c.eraseAsk()
	case vPrivacyEraseDo:
		c.erase(a.Token)
	default:
		return false
	}
	return true
}

// export sends the client their data: a short summary here, and the file.
func (c *turn) export() {
	p, r, ok := c.record("export")
	if !ok {
		return
	}

	data, err := json.MarshalIndent(p.ExportFile(r, c.lang), "", "  ")
	if err != nil {
		c.fail("export", err)
		return
	}

	c.show(c.t("privacy.exported", map[string]any{
		"Practice": iso(c.lang, c.practice.Name),
		"Date":     c.longDate(c.lang, c.now),
		"Now":      c.recordSummary(r),
	}), [][]Button{{{Text: c.t("button.privacy_erase", nil), Data: cb(vPrivacyErase)}}, {{Text: c.t("button.menu", nil), Data: cb(vMenu)}}})

	c.res.Replies = append(c.res.Replies, Reply{ChatID: c.in.User.ChatID, Document: &Document{
		Name: "my-data-" + c.local(c.now).Format("2006-01-02") + ".json", Data: append(data, '\n'), Caption: c.t("privacy.export_caption", nil),
	}})
}

// eraseAsk asks before erasing; the confirmation's token is kept in the
// sender's chat state, so a forged, replayed or stale one does nothing.
func (c *turn) eraseAsk() {
	p := c.privacyUC()
	if p == nil {
		c.show(c.t("privacy.unavailable", c.withContact(nil)), c.menuKeyboard())
		return
	}

	tok := tori.RandomToken(10)
	st := c.loadState(c.ctx, c.in.User.ChatID)
	st.Erase = tok
	c.saveState(c.ctx, c.in.User.ChatID, st)

	c.show(c.t("privacy.erase_ask", map[string]any{
		"Practice":  iso(c.lang, c.practice.Name),
		"KeepMoney": c.period(p.Policy().KeepMoney),
	}), [][]Button{
		{{Text: c.t("button.privacy_erase_do", nil), Data: cb(vPrivacyEraseDo, tok)}},
		{{Text: c.t("button.privacy_keep", nil), Data: cb(vPrivacy)}},
	})
}

// erase erases the client's data once they confirmed with the token
// eraseAsk kept: else it does nothing but say so.
func (c *turn) erase(token string) {
	p := c.privacyUC()
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if p == nil || st.Erase == "" || st.Erase != token {
		c.log.Warn("erasure confirmation refused", "user", c.in.User.ID)
		c.res.Notice = c.t("button.stale", nil)
		c.show(c.t("privacy.erase_stale", nil), [][]Button{{{Text: c.t("button.privacy", nil), Data: cb(vPrivacy)}}})
		return
	}

	st.Erase = ""
	c.saveState(c.ctx, c.in.User.ChatID, st) // the erasure removes the state anyway; a refusal leaves it clean

	e, err := p.Erase(c.ctx, c.client())
	if err != nil {
		c.fail("erase", err)
		return
	}
	if len(e.Blocked) > 0 {
		c.show(c.t("privacy.erase_blocked", map[string]any{"Reasons": c.blockLines(e.Blocked)}), c.menuKeyboard())
		return
	}

	c.saveState(c.ctx, c.in.User.ChatID, state{}) // none: this deletes it, should the turn have written it meanwhile

	// One that waits: the worker finishes it, and tells them and the therapists.
	if e.Waiting {
		c.show(c.t("privacy.erase_waiting", map[string]any{"Practice": iso(c.lang, c.practice.Name)}), nil)
		return
	}

	c.show(c.t("privacy.erased", map[string]any{
		"Practice":  iso(c.lang, c.practice.Name),
		"KeepMoney": c.period(p.Policy().KeepMoney),
		"Until":     c.when(c.lang, e.Until),
	}), nil)
	if !e.Again {
		c.tellErased(e.Therapists, p.Policy())
	}
}

// blockLines says, one line each, what keeps the erasure from happening
// and what the client can do.
func (c *turn) blockLines(bs []tori.ErasureBlock) string {
	var lines []string
	for _, b := range bs {
		a := b.Appointment
		data := map[string]any{}
		if !a.Start.IsZero() {
			data["When"] = c.whenRange(c.lang, a.Start, a.End)
		}
		if !b.Until.IsZero() {
			data["Until"] = c.when(c.lang, b.Until)
		}
		if b.Reason == tori.BlockPaying && !b.Until.IsZero() {
			data["Until"] = c.when(c.lang, minuteAfter(b.Until)) // "open /privacy again after" must hold at the minute shown
		}
		if a.RefundDue.Amount > 0 {
			data["Amount"] = c.price(c.lang, a.RefundDue)
		}
		lines = append(lines, "• "+c.t("privacy.blocked."+string(b.Reason), data))
	}
	return strings.Join(lines, "\n")
}

// tellErased tells each therapist of the client's bookings, in their
// language, that a client erased their data; nothing says who.
func (c *turn) tellErased(therapists []string, pol tori.PrivacyPolicy) {
	c.res.Replies = append(c.res.Replies, c.Bot.erasedNotices(therapists, pol)...)
}

// erasedNotices are the therapists' notices that a client erased their
// data, each in the therapist's language.
func (b *Bot) erasedNotices(therapists []string, pol tori.PrivacyPolicy) []Reply {
	var out []Reply
	for _, id := range therapists {
		t, ok := b.practice.Therapist(id)
		if !ok {
			continue
		}
		lang := t.Lang
		if lang == "" {
			lang = b.practice.Language
		}

		text := b.cat.T(lang, "notify.client_erased", map[string]any{"KeepMoney": b.period(lang, pol.KeepMoney)})
		for _, chat := range t.TelegramIDs {
			out = append(out, Reply{ChatID: chat, Text: text, Retry: noticeRetry(chat, text)})
		}
	}
	return out
}

// minuteAfter is t rounded up to the minute: a time shown to the minute
// that is never before t.
func minuteAfter(t time.Time) time.Time {
	if m := t.Truncate(time.Minute); m.Before(t) {
		return m.Add(time.Minute)
	}
	return t
}

// erasingRefused shows why a hold could not be made while the client's
// data is being erased; false when err is not that.
func (c *turn) erasingRefused(err error) bool {
	var e *tori.ErasingError
	if !errors.As(err, &e) {
		return false
	}
	c.show(c.t("privacy.erasing_hold", map[string]any{"Until": c.when(c.lang, e.Until)}), c.menuKeyboard())
	return true
}
