package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/tori-bot/tori"
)

// notify tells every Telegram id of the appointment's therapist what
// happened, in the therapist's language: who (name, @username), what, when.
// extra carries what only some notices say (see noticeExtra).
func (c *turn) notify(a tori.Appointment, id string, extra map[string]any) {
	t, lang, ok := c.therapistOf(a.TherapistID)
	if !ok {
		return
	}
	data := c.noticeData(lang, a)
	c.noticeExtra(lang, data, extra)
	c.tellTherapist(t, c.cat.T(lang, id, data), a.Client.ID)
}

// therapistOf is therapist id and the language their notices are in.
func (c *turn) therapistOf(id string) (tori.Therapist, string, bool) {
	t, ok := c.practice.Therapist(id)
	if !ok {
		return t, "", false
	}
	if t.Lang == "" {
		return t, c.practice.Language, true
	}
	return t, t.Lang, true
}

// tellTherapist sends a notice to every Telegram id of t; about is the
// client it names.
func (c *turn) tellTherapist(t tori.Therapist, text string, about int64) {
	for _, chat := range t.TelegramIDs {
		c.res.Replies = append(c.res.Replies, Reply{ChatID: chat, Text: text, Retry: noticeAbout(chat, text, about)})
	}
}

// noticeData is what every notice to the therapist may say of a: the
// client, the session, and what was paid and refunded.
func (c *turn) noticeData(lang string, a tori.Appointment) map[string]any {
	s, _ := c.practice.Service(a.ServiceID)
	data := map[string]any{
		"Client":   clientRef(lang, a.Client),
		"Service":  iso(lang, s.Name(lang, c.practice.Language)),
		"When":     c.whenRange(lang, a.Start, a.End),
		"Price":    c.price(lang, a.Price),
		"Lang":     c.cat.T(lang, "lang."+cmp.Or(a.Client.Lang, c.practice.Language), nil), // a client without Telegram has none
		"Waitlist": a.Offer != "",
	}

	if a.Paid.Amount > 0 {
		data["Paid"] = c.price(lang, a.Paid)
		// The rest to pay at the session, for a booking paid by deposit
		// only: a capture that did not match leaves nothing to pay.
		if rest, ok := a.Price.Sub(a.Paid); ok && rest.Amount > 0 && a.PayState == tori.PayStatePaid {
			data["Rest"] = c.price(lang, rest)
		}
	}

	if a.RefundDue.Amount > 0 {
		data["Refund"] = c.price(lang, a.RefundDue)
		if a.RefundState == tori.RefundRefunded {
			data["Refund"] = c.price(lang, a.Refunded)
		}
		data["RefundPending"] = a.RefundState == tori.RefundPending
	}
	return data
}

// noticeExtra adds to data, written in lang, what only some notices say:
// From (the booking moved, an Appointment), Terms (a cancellation's),
// Due, Back and Owed (tori.Money: due beside what was paid, for a capture
// that did not match; what came back of a refund, and what is still owed),
// Until (a time), Capture and Tries (a capture's id, and the attempts).
func (c *turn) noticeExtra(lang string, data, extra map[string]any) {
	if from, ok := extra["From"].(tori.Appointment); ok {
		data["From"] = c.whenRange(lang, from.Start, from.End)
	}
	if t, ok := extra["Terms"].(tori.CancelTerms); ok {
		data["Notice"] = c.notice(lang, t.Notice)
		data["Percent"] = t.Tier.Percent
		data["Forgiven"] = t.Forgiven
	}
	for _, k := range []string{"Due", "Back", "Owed"} {
		if m, ok := extra[k].(tori.Money); ok {
			data[k] = c.price(lang, m)
		}
	}
	if until, ok := extra["Until"].(time.Time); ok {
		data["Until"] = c.when(lang, until)
	}
	if capture, ok := extra["Capture"].(string); ok {
		data["Capture"] = esc(capture)
		data["Tries"] = extra["Tries"]
	}
}

// A notice Telegram does not take (a 5xx, a 429 that outlasts the
// retries, no answer) is not lost: its Reply.Retry is queued in the relay
// queue (tori.QueueRelay), where the worker finds it and sends it again
// with Notifier.Resend once Telegram is back. The member is JSON with a
// "notice" key and no "id", so tori.DecodeRelay refuses it as a relay.
type queuedNotice struct {
	Notice string `json:"notice"` // a random id: two notices of one text stay two
	Chat   int64  `json:"chat"`
	Text   string `json:"text"`
	// About is the client a notice to a therapist names, so that the
	// client's erasure finds it (storage reads "chat" and "about").
	About int64 `json:"about,omitempty"`
}

// noticeRetry is the relay queue member that sends text to chat again.
func noticeRetry(chat int64, text string) string { return noticeAbout(chat, text, 0) }

// noticeAbout is noticeRetry for a notice that names client about.
func noticeAbout(chat int64, text string, about int64) string {
	b, _ := json.Marshal(queuedNotice{Notice: tori.RandomToken(10), Chat: chat, Text: text, About: about})
	return string(b)
}

// decodeNotice reads a member written by noticeRetry.
func decodeNotice(member string) (Reply, bool) {
	var q queuedNotice
	if err := json.Unmarshal([]byte(member), &q); err != nil || q.Notice == "" || q.Chat == 0 || q.Text == "" {
		return Reply{}, false
	}
	return Reply{ChatID: q.Chat, Text: q.Text}, true
}

// labels is a catalog for texts wanted where no Bot is at hand (nil if
// the catalogs do not load, which bot.New reports first).
var labels = sync.OnceValue(func() *catalog {
	c, _ := newCatalog()
	return c
})

// clientRef names a client for the therapist: a link to their Telegram
// profile, and their @username when they have one.
func clientRef(lang string, cl tori.Client) string {
	if cl.ID == 0 && labels() != nil { // anonymised: the client's data was erased
		return iso(lang, labels().T(lang, "client.erased", nil))
	}
	name := cl.Name
	if name == "" {
		name = "#" + strconv.FormatInt(cl.ID, 10)
	}
	if cl.Offline() && labels() != nil { // no Telegram account to link to
		return iso(lang, name) + " " + labels().T(lang, "client.no_telegram", nil)
	}
	ref := `<a href="tg://user?id=` + strconv.FormatInt(cl.ID, 10) + `">` + iso(lang, name) + `</a>`
	if cl.Username != "" {
		ref += " " + ltr(lang, "@"+esc(cl.Username))
	}
	return ref
}

// RetryLater queues a reply Telegram did not take (its Retry member) in the
// relay queue, for the worker to send again in a minute. A reply queued
// when it was handed over (Reply.Queued) is there already.
func (b *Bot) RetryLater(ctx context.Context, r Reply) error {
	if !r.Queued.IsZero() {
		return nil
	}
	err := b.store.Enqueue(ctx, tori.QueueRelay, "", r.Retry, b.now().Add(time.Minute))
	if err != nil {
		b.log.Error("queue a message that was not delivered", "chat", r.ChatID, "err", err)
	}
	return err
}
