package bot

import (
	"strings"

	"github.com/tori-bot/tori"
)

// onAdminText handles an admin's text that is not a command: a note being
// written, or a reply to a relayed client message. false when neither.
func (c *turn) onAdminText() bool {
	c.lang = c.adminLang()
	if c.relayReply() {
		return true
	}
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if st.NewClient != "" {
		c.newClientText(st)
		return true
	}
	if st.ForWho {
		c.bookForWho(c.in.Text)
		return true
	}
	if st.Note == "" {
		return false
	}
	c.writeNote(st)
	return true
}

// writeNote saves the text as the note of the session the admin asked to
// write one for (st.Note), replacing one this server cannot read when the
// admin said it may go (st.Replace).
func (c *turn) writeNote(st state) {
	a, ok := c.adminAppt(st.Note)
	if !ok {
		return
	}
	set := c.bookings.SetNote
	if st.Replace {
		set = c.bookings.ReplaceLockedNote
	}
	got, err := set(c.ctx, a.ID, strings.TrimSpace(c.in.Text))
	if err != nil {
		c.refuse("note", err, refusals{
			tori.EINVALID:  func() { c.show(c.t("admin.note_too_long", nil), nil) },
			tori.ECONFLICT: func() { c.noteKept(a.ID) },
		})
		return
	}

	c.saveState(c.ctx, c.in.User.ChatID, state{})
	c.res.Notice = c.t("admin.note_saved", nil)
	c.adminOpen(got)
}

// noteKept says that a note this server cannot read came meanwhile, and
// was kept rather than replaced unasked.
func (c *turn) noteKept(id string) {
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	if now, ok := c.adminAppt(id); ok {
		c.lockedNote(now, "admin.note_locked_kept")
	}
}

// askNote asks for the note of a session. A note there that this server
// cannot read is not replaced unasked: the admin is first told it can be
// read again with its key, and asked whether it may go (replace).
func (c *turn) askNote(a tori.Appointment, replace bool) {
	if a.NoteLocked && !replace {
		c.lockedNote(a, "admin.note_locked_ask")
		return
	}
	// Only the locked note shown may go: one that is readable again (its
	// key back) is asked for as usual.
	c.saveState(c.ctx, c.in.User.ChatID, state{Note: a.ID, Replace: replace && a.NoteLocked})
	ask := "admin.note_ask"
	if a.NoteLocked {
		ask = "admin.note_replace_ask"
	}
	c.show(c.t(ask, map[string]any{"Session": c.sessionLine(a)}), nil)
}

// lockedNote says (text) that a session's note cannot be read here but is
// kept, with a button to replace it for good and one back to the session.
func (c *turn) lockedNote(a tori.Appointment, text string) {
	c.show(c.t(text, map[string]any{"Session": c.sessionLine(a)}), [][]Button{
		{{Text: c.t("button.admin_note_replace", nil), Data: cb(vAdminNoteOver, a.ID)}},
		{{Text: c.t("button.admin_back_session", nil), Data: cb(vAdminOpen, a.ID)}},
	})
}
