package bot

import (
	"slices"
	"strings"

	"github.com/tori-bot/tori"
)

// claimInvite is /start with an invite token: the first person to tap the
// link becomes the client without Telegram it was made for. Their
// sessions move to their Telegram account (confirmations and reminders
// reach them from now on); they are told which sessions they have, and the
// practice is told who they became. A used, replaced or expired link is
// refused plainly.
func (c *turn) claimInvite(token string) {
	st, ok := c.offlineStore()
	if !ok {
		c.start()
		return
	}
	if c.isAdmin() { // the practice trying its own link would take it from the client
		c.show(c.t("invite.for_client", nil), nil)
		return
	}

	att, err := st.ClaimInvite(c.ctx, token, c.client(), c.now)
	if err != nil {
		c.refuse("claim invite", err, refusals{
			tori.EEXPIRED: func() { c.show(c.t("invite.gone", c.withContact(nil)), c.menuKeyboard()) },
		})
		return
	}

	all, err := c.bookings.Store.ClientAppointments(c.ctx, c.in.User.ID, c.now)
	if err != nil {
		c.fail("claim invite", err)
		return
	}
	var lines []string
	var therapists []string
	for _, a := range all {
		if a.Booked() && a.Status == tori.StatusConfirmed {
			lines = append(lines, "• "+c.describe(a))
			if !slices.Contains(therapists, a.TherapistID) {
				therapists = append(therapists, a.TherapistID)
			}
		}
	}

	c.show(c.t("invite.welcome", map[string]any{
		"Name": iso(c.lang, att.Record.Name), "Practice": iso(c.lang, c.practice.Name),
		"Count": len(lines), "Sessions": strings.Join(lines, "\n"),
	}), c.menuKeyboard())
	if !att.Again {
		c.tellAttached(att, therapists)
	}
}

// tellAttached tells the practice that a client without Telegram took
// their invite: the therapists of their sessions ahead (else every one),
// and the staff, who may have sent the link.
func (c *turn) tellAttached(att tori.Attached, therapists []string) {
	who := att.Client
	who.Name = att.Record.Name
	tell := func(t tori.Therapist, lang string) {
		c.tellTherapist(t, c.cat.T(lang, "notify.client_attached", map[string]any{
			"Name": iso(lang, att.Record.Name), "Phone": ltr(lang, att.Record.Phone), "Client": clientRef(lang, who),
		}), who.ID)
	}

	var told []int64
	for _, t := range c.practice.Therapists {
		if len(therapists) == 0 || slices.Contains(therapists, t.ID) {
			_, lang, _ := c.therapistOf(t.ID)
			tell(t, lang)
			told = append(told, t.TelegramIDs...)
		}
	}

	staff := tori.Therapist{}
	for _, id := range c.practice.Staff {
		if !slices.Contains(told, id) {
			staff.TelegramIDs = append(staff.TelegramIDs, id)
		}
	}
	tell(staff, c.practice.Language)
}
