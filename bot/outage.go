package bot

// outage reports whether err is Redis unable to take a command this moment
// (down, loading, out of memory, a failover: Store.Unavailable). An outage
// passes by itself: the user is asked to try again in a moment and keeps
// what they were looking at (tryAgain), and it is logged as a warning, not
// as a fault (logFailure).
func (b *Bot) outage(err error) bool { return b.store.Unavailable(err) }

// tryAgain tells the user that their step could not be taken this moment.
// A pressed button's message stays as it is, its buttons included, so the
// same press works once Redis is back; the answer to the press says why
// nothing changed, as an alert that stays until read. A typed message gets
// the apology as a new message.
func (c *turn) tryAgain() {
	if c.in.Data != "" {
		c.res.Notice, c.res.Alert = c.t("error.unavailable_press", nil), true
		return
	}
	c.show(c.t("error.unavailable", nil), c.menuKeyboard())
}

// logFailure logs a step that failed: a Redis outage as a warning, anything
// else as a fault (ERROR).
func (b *Bot) logFailure(msg string, err error, args ...any) {
	args = append(args, "err", err)
	if b.outage(err) {
		b.log.Warn(msg+": Redis unavailable", args...)
		return
	}
	b.log.Error(msg, args...)
}
