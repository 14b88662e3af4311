package bot

import "github.com/tori-bot/tori"

// menuKeyboard is the main menu (book, my bookings, help, the other
// language), below most answers that end a step.
func (c *turn) menuKeyboard() [][]Button {
	return [][]Button{
		{{Text: c.t("button.book", nil), Data: cb(vBook)}, {Text: c.t("button.mine", nil), Data: cb(vMine)}},
		{{Text: c.t("button.help", nil), Data: cb(vHelp)}, {Text: c.t("button.language", nil), Data: "l:" + other(c.lang)}},
	}
}

// other is the language the menu offers to switch to.
func other(lang string) string {
	if lang == "he" {
		return "en"
	}
	return "he"
}

// start is /start: a greeting and the menu.
func (c *turn) start() {
	c.show(c.t("start", map[string]any{
		"Name":     iso(c.lang, c.in.User.Name),
		"Practice": iso(c.lang, c.practice.Name),
	}), c.menuKeyboard())
}

// help is /help: how booking works, and the cancellation policy.
func (c *turn) help() {
	c.show(c.t("help", map[string]any{
		"Practice": iso(c.lang, c.practice.Name),
		"Policy":   c.policyText(c.practiceMode()),
		"HoldFor":  c.minutes(c.lang, c.practice.Policy.HoldFor),
		"Resched":  c.hours(c.lang, c.practice.Policy.RescheduleMinNotice),
	}), c.menuKeyboard())
}

// chooseLanguage is /language.
func (c *turn) chooseLanguage() {
	c.show(c.t("language.choose", nil), [][]Button{{{Text: "English", Data: "l:en"}, {Text: "עברית", Data: "l:he"}}})
}

// setLanguage keeps the user's choice of language and greets them in it.
func (c *turn) setLanguage(l string) {
	if err := c.store.SetLanguage(c.ctx, c.in.User.ID, l, c.now); err != nil {
		c.fail("set language", err)
		return
	}
	c.lang = l
	c.in.User.Lang = l
	c.res.Notice = c.t("language.set", nil)
	c.start()
}

// stop leaves the current flow (/cancel), letting go of a hold in progress.
func (c *turn) stop() {
	st := c.loadState(c.ctx, c.in.User.ChatID)
	if st.Hold == "" {
		c.show(c.t("stop.nothing", nil), c.menuKeyboard())
		return
	}
	if err := c.bookings.Release(c.ctx, c.client(), st.Hold); err != nil {
		c.fail("release on /cancel", err)
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	c.show(c.t("stop.released", nil), c.menuKeyboard())
}

// practiceMode is the payment mode the general policy text speaks of:
// prepaid if any service is.
func (c *turn) practiceMode() tori.PaymentMode {
	for _, s := range c.practice.Services {
		if s.Payment != tori.PayNone {
			return tori.PayFull
		}
	}
	return tori.PayNone
}
