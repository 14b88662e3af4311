package bot

import "github.com/tori-bot/tori"

// onText handles a message: a command, else free text. A command, like a
// button (onButton), finds what it does in a table: the practice's
// (adminCommands, admin.go) first, then the client's (clientCommands).
func (c *turn) onText() {
	cmd, ok := ParseCommand(c.in.Text, c.username)
	if !ok {
		c.onMessage()
		return
	}
	if c.onAdminCommand(cmd) {
		return
	}
	if run, ok := clientCommands[cmd.Name]; ok {
		run(c, cmd)
		return
	}
	c.show(c.t("command.unknown", map[string]any{"Command": esc("/" + cmd.Name)}), c.menuKeyboard())
}

// onMessage handles free text: an admin's note or reply, a message in the
// middle of booking (use the buttons), else a message to pass on to the
// practice.
func (c *turn) onMessage() {
	switch {
	case c.isAdmin() && c.onAdminText():
	case c.isAdmin():
		c.lang = c.adminLang()
		c.show(c.t("admin.help", nil), nil)
	case c.loadState(c.ctx, c.in.User.ChatID).Hold != "":
		c.send(c.t("flow.use_buttons", nil), nil) // in the middle of booking: not a message to pass on
	default:
		c.relayIn()
	}
}

// clientCommands is what each of the client's commands does.
var clientCommands = map[string]func(c *turn, cmd Command){
	"start":    (*turn).startCommand,
	"book":     func(c *turn, _ Command) { c.services() },
	"my":       func(c *turn, _ Command) { c.mine() },
	"help":     func(c *turn, _ Command) { c.help() },
	"language": func(c *turn, _ Command) { c.chooseLanguage() },
	"privacy":  func(c *turn, _ Command) { c.privacy() },
	"cancel":   (*turn).cancelCommand,
}

// startCommand is /start: the menu, or a service's calendar straight away
// for "/start <service>" (a link to the bot that names a service), or a
// client without Telegram's invite for "/start <token>" (invite.go).
func (c *turn) startCommand(cmd Command) {
	if tori.IsInviteToken(cmd.Arg) {
		c.claimInvite(cmd.Arg)
		return
	}
	if s, ok := c.practice.Service(cmd.Arg); ok && cmd.Arg != "" {
		c.chooseService(s.ID)
		return
	}
	c.start()
}

// cancelCommand is /cancel: it drops a note an admin is writing, else
// leaves the booking flow.
func (c *turn) cancelCommand(Command) {
	if st := c.loadState(c.ctx, c.in.User.ChatID); st.Note != "" || st.NewClient != "" {
		c.saveState(c.ctx, c.in.User.ChatID, state{})
		c.show(c.t("admin.note_dropped", nil), nil)
		return
	}
	c.stop()
}

// onButton handles a pressed button: its callback data is parsed strictly
// (anything else is an old or forged button), then the practice's, the
// privacy and the client's buttons are tried in turn.
func (c *turn) onButton() {
	a, ok := ParseCallback(c.in.Data)
	if !ok {
		c.log.Warn("refused callback data", "user", c.in.User.ID, "len", len(c.in.Data))
		c.res.Notice = c.t("button.stale", nil)
		c.show(c.t("button.stale_text", nil), c.menuKeyboard())
		return
	}
	if c.onAdminButton(a) || c.onPrivacyButton(a) {
		return
	}
	if run, ok := clientButtons[a.Verb]; ok {
		run(c, a)
	}
}

// clientButtons is what each of the client's buttons does (vNoop, a label,
// nothing).
var clientButtons = map[string]func(c *turn, a Action){
	vNoop:    func(*turn, Action) {},
	vMenu:    func(c *turn, _ Action) { c.start() },
	vBook:    func(c *turn, _ Action) { c.services() },
	vHelp:    func(c *turn, _ Action) { c.help() },
	vLang:    func(c *turn, a Action) { c.setLanguage(a.Lang) },
	vMine:    func(c *turn, _ Action) { c.mine() },
	vService: func(c *turn, a Action) { c.chooseService(a.Service) },

	// Booking: a calendar, a day, a time held, then confirmed or let go.
	vTherapist: func(c *turn, a Action) { c.week(a.Service, a.Therapist, a.Day) },
	vWeek:      func(c *turn, a Action) { c.week(a.Service, a.Therapist, a.Day) },
	vDay:       func(c *turn, a Action) { c.day(a.Service, a.Therapist, a.Day) },
	vTime:      func(c *turn, a Action) { c.hold(a.Service, a.Therapist, a.Time) },
	vConfirm:   func(c *turn, a Action) { c.confirm(a.Appt) },
	vChange:    func(c *turn, a Action) { c.changeTime(a.Appt) },
	vAbandon:   func(c *turn, a Action) { c.abandon(a.Appt) },

	// The client's bookings: cancel, move, "I'll be there".
	vCancelAsk:    func(c *turn, a Action) { c.cancelAsk(a.Appt) },
	vCancelDo:     func(c *turn, a Action) { c.cancelDo(a.Appt, a.Percent) },
	vReschedule:   func(c *turn, a Action) { c.rescheduleWeek(a.Appt, a.Day) },
	vRescheduleWk: func(c *turn, a Action) { c.rescheduleWeek(a.Appt, a.Day) },
	vRescheduleDy: func(c *turn, a Action) { c.rescheduleDay(a.Appt, a.Day) },
	vRescheduleTm: func(c *turn, a Action) { c.rescheduleHold(a.Appt, a.Time) },
	vAttend:       func(c *turn, a Action) { c.attend(a.Appt) },

	// The waitlist: join (a part of the day, then join), leave, offers.
	vWaitJoin:  (*turn).waitChoosePart,
	vWaitPart:  (*turn).waitJoin,
	vWaitLeave: func(c *turn, a Action) { c.waitLeave(a.Entry) },
	vOfferTake: func(c *turn, a Action) { c.offerTake(a.Appt) },
	vOfferPass: func(c *turn, a Action) { c.offerPass(a.Appt) },

	// A series from a held time (series.go): how many, every week, book.
	vSeriesCount: func(c *turn, a Action) { c.seriesCount(a.Appt, a.Every) },
	vSeriesPlan:  func(c *turn, a Action) { c.seriesPlan(a.Appt, a.Every, a.Count, a.Skip) },
	vSeriesBook:  func(c *turn, a Action) { c.seriesBook(a.Appt, a.Every, a.Count, a.Skip, a.Stamp) },
	vSeriesBack:  func(c *turn, a Action) { c.seriesBack(a.Appt) },

	// The client's series (series_mine.go): its sessions; cancel one and the later ones.
	vSeriesOpen:   func(c *turn, a Action) { c.seriesOpen(a.Series) },
	vSeriesMore:   func(c *turn, a Action) { c.seriesContinue(a.Series) },
	vSeriesEnough: func(c *turn, a Action) { c.seriesEnough(a.Series) },
	vCancelRest:   func(c *turn, a Action) { c.cancelRestAsk(a.Appt) },
	vCancelRestDo: func(c *turn, a Action) { c.cancelRestDo(a.Appt, a.Stamp) },

	// A week the client's open-ended series missed (series_gap.go).
	vSeriesGapTake: func(c *turn, a Action) { c.seriesGapTake(a.Series, a.Time) },
	vSeriesGapSkip: func(c *turn, a Action) { c.seriesGapSkip(a.Series) },
}
