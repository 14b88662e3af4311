package bot

import (
	"strings"

	"github.com/tori-bot/tori"
)

// relayTherapist is who a client's message goes to: the therapist of their
// next booking, else of their last, else the practice's first.
func (c *turn) relayTherapist() tori.Therapist {
	as, err := c.bookings.Store.ClientAppointments(c.ctx, c.in.User.ID, c.now.AddDate(-1, 0, 0))
	if err == nil {
		var last tori.Appointment
		for _, a := range as {
			if a.Status == tori.StatusHeld || a.Status == tori.StatusExpired {
				continue
			}
			if a.Start.After(c.now) && a.Status == tori.StatusConfirmed {
				if t, ok := c.practice.Therapist(a.TherapistID); ok {
					return t
				}
			}
			last = a
		}
		if t, ok := c.practice.Therapist(last.TherapistID); ok {
			return t
		}
	}
	return c.practice.Therapists[0]
}

// relayIn passes a client's free text (not a command, not in a flow) on to
// their therapist inside messaging hours, with their name and a "reply to
// answer" hint; the therapist replies by replying to it in Telegram, and
// relayReply passes the answer on. Outside messaging hours the client is
// told at once when theirs will be read (an absolute day and time), and
// that booking, cancelling and rescheduling work any time; the worker
// passes it on when hours begin.
func (c *turn) relayIn() {
	text := strings.TrimSpace(c.in.Text)
	if text == "" {
		c.show(c.t("relay.text_only", nil), c.menuKeyboard())
		return
	}
	if len([]rune(text)) > 3000 {
		c.show(c.t("relay.too_long", nil), nil)
		return
	}

	t := c.relayTherapist()
	r := tori.Relay{ID: tori.RandomToken(10), Client: c.in.User, TherapistID: t.ID, Text: text, At: c.now}
	open, opens := c.practice.MessagingOpen(c.now)
	if open {
		c.res.Replies = append(c.res.Replies, c.RelayReplies(r)...)
		c.send(c.t("relay.sent", map[string]any{"Therapist": iso(c.lang, t.Name)}), nil)
		return
	}

	// Outside messaging hours: queued for the worker, due when they begin.
	if err := c.store.Enqueue(c.ctx, tori.QueueRelay, "", r.Encode(), opens); err != nil {
		c.fail("queue a message", err)
		return
	}
	c.send(c.t("relay.after_hours", map[string]any{"When": c.when(c.lang, opens), "Therapist": iso(c.lang, t.Name)}),
		[][]Button{{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}}})
}

// RelayReplies pass a client's message on to every Telegram id of its
// therapist, each remembered so that a reply to it reaches the client.
func (b *Bot) RelayReplies(r tori.Relay) []Reply {
	t, ok := b.practice.Therapist(r.TherapistID)
	if !ok {
		t = b.practice.Therapists[0]
	}
	lang := t.Lang
	if lang == "" {
		lang = b.practice.Language
	}

	text := b.cat.T(lang, "relay.forward", map[string]any{
		"Client": clientRef(lang, r.Client), "Text": esc(r.Text), "When": b.when(lang, r.At),
		"Name": iso(lang, firstName(r.Client.Name)),
	})
	var out []Reply
	for _, chat := range t.TelegramIDs {
		if r.Chat != 0 && chat != r.Chat {
			continue
		}
		retry := r
		retry.Chat = chat
		out = append(out, Reply{ChatID: chat, Text: text, RelayFrom: r.Client.ChatID, Retry: retry.Encode()})
	}
	return out
}

func firstName(name string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return f
}

// relayReply passes an admin's reply to a relayed message on to the
// client; false when the message replied to is not one.
func (c *turn) relayReply() bool {
	if c.in.ReplyTo == 0 {
		return false
	}

	client, err := c.store.RelayOf(c.ctx, c.in.User.ChatID, c.in.ReplyTo)
	if err != nil {
		if tori.ErrorCode(err) != tori.ENOTFOUND {
			c.fail("relay", err)
			return true
		}
		return false
	}

	text := strings.TrimSpace(c.in.Text)
	if text == "" {
		c.send(c.t("relay.text_only", nil), nil)
		return true
	}

	// From the therapist (or staff member) by name, in the client's language.
	who := c.in.User.Name
	if t, ok := c.practice.TherapistOf(c.in.User.ID); ok {
		who = t.Name
	}
	lang, err := c.store.Language(c.ctx, client)
	if err != nil || lang == "" {
		lang = c.practice.Language
	}
	c.res.Replies = append(c.res.Replies, Reply{ChatID: client, Text: c.cat.T(lang, "relay.answer", map[string]any{
		"From": iso(lang, who), "Text": esc(text),
	})})
	c.send(c.t("relay.answered", nil), nil)
	return true
}
