// Package bot is tori's Telegram front end. The conversation itself is
// plain Go over Input and Reply values (this file, book.go, mine.go,
// views.go), tested without HTTP; telegram.go alone translates Telegram
// updates in and replies out with go-telegram/bot.
package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Store is what the bot keeps besides appointments: conversation state per
// chat, each user's language, and which updates were handled. storage.Store
// satisfies it. Errors are EINTERNAL.
type Store interface {
	ChatState(ctx context.Context, chatID int64) ([]byte, error)
	SetChatState(ctx context.Context, chatID int64, state []byte, ttl time.Duration) error
	Language(ctx context.Context, userID int64) (string, error)
	SetLanguage(ctx context.Context, userID int64, lang string, now time.Time) error
	// Claim claims an external event (kind "tg": a Telegram update, "pp": a
	// PayPal webhook event) for lease; false when it is being handled or was
	// handled. Finish marks it handled for keep; Forget drops the claim after
	// a failure, so that a re-delivery is handled.
	Claim(ctx context.Context, kind, id string, lease time.Duration) (bool, error)
	// ClaimUpdate claims a Telegram update and reads its sender's chosen
	// language ("" if none) and, when stateOf is not 0, that chat's state
	// (nil if none) in one round trip; done claims it as handled already
	// (Handled says so), for a caller that will not Finish it. A failed
	// claim still returns the language if it was read.
	ClaimUpdate(ctx context.Context, id string, lease time.Duration, userID int64, done bool, stateOf int64) (bool, string, []byte, error)
	Finish(ctx context.Context, kind, id string, keep time.Duration) error
	Forget(ctx context.Context, kind, id string) error
	// Handled reports whether a claimed event was finished; Attempt counts
	// a failed attempt at one and returns the count so far.
	Handled(ctx context.Context, kind, id string) (bool, error)
	Attempt(ctx context.Context, kind, id string, keep time.Duration) (int, error)
	// SaveRelay remembers that message msg in an admin's chat relays a
	// client's message; RelayOf finds the client's chat again (ENOTFOUND).
	SaveRelay(ctx context.Context, adminChat int64, msg int, clientChat int64) error
	RelayOf(ctx context.Context, adminChat int64, msg int) (int64, error)
	// Enqueue puts due work in a queue (a message to pass on later).
	Enqueue(ctx context.Context, q tori.Queue, therapist, member string, due time.Time) error
	// EnqueueAll puts several items in their queues in one round trip;
	// Dequeue removes members whose work was done elsewhere; Retake claims,
	// for lease, queued items no worker has claimed (false for the others).
	// See durable.go.
	EnqueueAll(ctx context.Context, items []tori.Queued) error
	Dequeue(ctx context.Context, q tori.Queue, therapist string, members ...string) error
	Retake(ctx context.Context, items []tori.Queued, now time.Time, lease time.Duration) ([]bool, error)
	// CalendarToken returns a therapist's feed secret (making one);
	// NewCalendarToken replaces it; CheckCalendarToken compares.
	CalendarToken(ctx context.Context, therapistID string) (string, error)
	NewCalendarToken(ctx context.Context, therapistID string) (string, error)
	CheckCalendarToken(ctx context.Context, therapistID, token string) (bool, error)
}

// Config is everything the bot depends on.
type Config struct {
	Practice *tori.Practice
	Bookings *tori.Bookings
	Store    Store
	// Privacy is the privacy use cases (/privacy); nil makes them over
	// Bookings' store when it keeps privacy (tori.PrivacyStore).
	Privacy *tori.Privacy
	// PublicURL is where the calendar feeds are served (PUBLIC_URL); ""
	// turns /calendar off.
	PublicURL string
	Now       func() time.Time // default time.Now
	Log       *slog.Logger     // default slog.Default()
}

// Bot turns chat into use-case calls.
type Bot struct {
	practice  *tori.Practice
	bookings  *tori.Bookings
	store     Store
	publicURL string
	now       func() time.Time
	log       *slog.Logger
	cat       *catalog
	username  string // the bot's @username, learned from Telegram
	privacy   *tori.Privacy
}

// New builds the conversation side of the bot (see Connect for Telegram).
func New(cfg Config) (*Bot, error) {
	cat, err := newCatalog()
	if err != nil {
		return nil, err
	}
	b := &Bot{practice: cfg.Practice, bookings: cfg.Bookings, store: cfg.Store, publicURL: strings.TrimRight(cfg.PublicURL, "/"), now: cfg.Now, log: cfg.Log, cat: cat}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.privacy = cfg.Privacy
	if cfg.Bookings != nil && b.privacy == nil {
		if st, ok := cfg.Bookings.Store.(tori.PrivacyStore); ok {
			b.privacy = &tori.Privacy{Practice: cfg.Practice, Store: st, Now: b.now, Log: b.log, Events: cfg.Bookings.Events}
		}
	}
	cat.onMissing = func(lang, id string, err error) {
		b.log.Error("message missing from catalog", "lang", lang, "id", id, "err", err)
	}
	return b, nil
}

// Input is one thing a user did: sent a message, or pressed a button.
type Input struct {
	User       tori.Client // ID, ChatID, Name, Username; Lang is Telegram's language_code
	Text       string      // a message's text
	Data       string      // a pressed button's callback data
	MessageID  int         // the message the button was on (0 if unknown)
	CallbackID string
	ReplyTo    int // the message a text replies to (0 if none)
	// Chosen is the language the user chose (/language), when the caller
	// has read it already (ChosenKnown): one round trip less.
	Chosen      string
	ChosenKnown bool
	// State is the chat's state as the caller read it beside the claim
	// (StateKnown; see WantsState), one round trip less again.
	State      []byte
	StateKnown bool
	// DeferSave: the chat's new state is not saved by Handle but returned
	// (Result.SaveState), for the caller to save beside the replies.
	DeferSave bool
}

// Button is an inline keyboard button: callback data, or a URL.
type Button struct {
	Text string
	Data string
	URL  string
}

// Reply is one message to send, or to put in place of EditID, or a file
// (Document) to send.
type Reply struct {
	ChatID   int64
	EditID   int // edit this message instead of sending a new one
	Text     string
	Keyboard [][]Button
	Document *Document
	// RelayFrom is the client chat a relayed message came from: once sent,
	// a reply to it in this chat reaches the client.
	RelayFrom int64
	// Retry, for a relayed client message or a notice to the therapist, is
	// the relay queue member that sends it again (by the worker) if
	// Telegram does not take it now.
	Retry string
	// Queued, when set, is when Retry comes due in the relay queue, where
	// it was written before the reply was handed over: whoever sends it
	// takes it out (see durable.go).
	Queued time.Time
}

// Result is what handling an Input produced: replies (to the user and to
// therapists) and the short answer to a pressed button.
type Result struct {
	Replies []Reply
	Notice  string // shown briefly to the user who pressed a button
	Alert   bool   // Notice is shown until the user closes it
	// SaveState, with Input.DeferSave, saves the chat's new state: the
	// caller runs it beside sending the replies, and the update is done
	// when both are. Nil when the state did not change.
	SaveState func(context.Context)
}

// state is what the bot remembers about one chat between updates.
type state struct {
	Note string `json:"note,omitempty"` // an admin is writing the note of this appointment
	Hold string `json:"hold,omitempty"` // the hold of the current booking flow
	Any  bool   `json:"any,omitempty"`  // it was chosen with "first available"
	// Erase is the token of the erasure the user was asked to confirm (/privacy).
	Erase string `json:"erase,omitempty"`
	// Replace: the note being written replaces one this server cannot read
	// (the admin said it may go).
	Replace bool `json:"replace,omitempty"`
}

const stateTTL = 24 * time.Hour

func (b *Bot) loadState(ctx context.Context, chat int64) state {
	raw, err := b.store.ChatState(ctx, chat)
	if err != nil {
		b.logFailure("load chat state", err, "chat", chat)
		return state{}
	}
	return decodeState(raw)
}

// decodeState reads a saved state (none, or one it cannot read, is empty).
func decodeState(raw []byte) state {
	var s state
	if raw != nil && json.Unmarshal(raw, &s) != nil {
		return state{}
	}
	return s
}

// loadState is the chat's state: the one read beside the update's claim,
// or last saved in this turn, else read now (and not kept).
func (c *turn) loadState(ctx context.Context, chat int64) state {
	if chat == c.in.User.ChatID && c.state != nil {
		return *c.state
	}
	return c.Bot.loadState(ctx, chat)
}

func (c *turn) saveState(ctx context.Context, chat int64, s state) {
	if chat != c.in.User.ChatID {
		c.Bot.saveState(ctx, chat, s)
		return
	}
	c.state = &s
	if !c.in.DeferSave {
		c.Bot.saveState(ctx, chat, s)
		return
	}
	c.res.SaveState = func(ctx context.Context) { c.Bot.saveState(ctx, chat, s) }
}

// WantsState says whether handling in reads its chat's state: a caller
// that can read it beside the update's claim passes it in Input.State. A
// wrong "no" costs a round trip, never a wrong answer.
func WantsState(in Input) bool {
	switch {
	case in.Data != "":
		v, _, _ := strings.Cut(in.Data, ":")
		return v == vTime || v == vRescheduleTm || v == vAbandon || v == vOfferPass || v == vPrivacyErase || v == vPrivacyEraseDo
	}
	// A message, not a command, is read in the light of the flow it is in
	// (or is an admin's note); /cancel drops a note.
	cmd, ok := ParseCommand(in.Text, "")
	return !ok || cmd.Name == "cancel"
}

func (b *Bot) saveState(ctx context.Context, chat int64, s state) {
	var raw []byte
	if s != (state{}) {
		raw, _ = json.Marshal(s)
	}
	if err := b.store.SetChatState(ctx, chat, raw, stateTTL); err != nil {
		b.logFailure("save chat state", err, "chat", chat)
	}
}

// language picks the user's language: their choice, else Telegram's
// language_code when we speak it, else the practice's.
func (b *Bot) language(ctx context.Context, u tori.Client) string {
	l, err := b.store.Language(ctx, u.ID)
	if err != nil {
		b.logFailure("load language", err, "user", u.ID)
	}
	return pickLanguage(l, u, b.practice.Language)
}

// pickLanguage is the chosen language if there is one, else Telegram's.
func pickLanguage(chosen string, u tori.Client, fallback string) string {
	if chosen == "en" || chosen == "he" {
		return chosen
	}
	return telegramLanguage(u.Lang, fallback)
}

func telegramLanguage(code, fallback string) string {
	switch {
	case code == "he" || code == "iw" || len(code) > 3 && (code[:3] == "he-" || code[:3] == "iw-"):
		return "he"
	case code == "en" || len(code) > 3 && code[:3] == "en-":
		return "en"
	}
	return fallback
}

// Handle processes one input and returns what to send. It never panics on
// any input; faults are logged and the user gets an apology that says what
// to do.
func (b *Bot) Handle(ctx context.Context, in Input) (res Result) {
	var lang string
	if in.ChosenKnown {
		lang = pickLanguage(in.Chosen, in.User, b.practice.Language)
	} else {
		lang = b.language(ctx, in.User)
	}
	in.User.Lang = lang
	c := &turn{Bot: b, ctx: ctx, in: in, lang: lang, now: b.now()}
	if in.StateKnown {
		st := decodeState(in.State)
		c.state = &st
	}
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("panic while handling an update", "user", in.User.ID, "panic", r)
			res = Result{Replies: []Reply{c.message(b.cat.T(lang, "error.internal", c.withContact(nil)), c.menuKeyboard())},
				SaveState: c.res.SaveState} // a state changed before the fault is kept, as it would have been saved at once
		}
	}()
	if in.Data != "" {
		c.onButton()
	} else {
		c.onText()
	}
	return c.res
}

// turn is one Input being handled.
type turn struct {
	*Bot
	ctx   context.Context
	in    Input
	lang  string
	now   time.Time
	res   Result
	state *state // this chat's state as read beside the claim, or as saved in this turn
}

func (c *turn) client() tori.Client { return c.in.User }

func (c *turn) t(id string, data any) string { return c.cat.T(c.lang, id, data) }

// message builds a reply to the user in place of the pressed button's
// message, or as a new message after a command.
func (c *turn) message(text string, kb [][]Button) Reply {
	return Reply{ChatID: c.in.User.ChatID, EditID: c.in.MessageID, Text: text, Keyboard: kb}
}

func (c *turn) show(text string, kb [][]Button) {
	c.res.Replies = append(c.res.Replies, c.message(text, kb))
}

// send adds a new message (never an edit) to the user.
func (c *turn) send(text string, kb [][]Button) {
	c.res.Replies = append(c.res.Replies, Reply{ChatID: c.in.User.ChatID, Text: text, Keyboard: kb})
}

// fail shows the apology for a fault of ours and logs it; an outage of
// Redis is told as one (see tryAgain).
func (c *turn) fail(op string, err error) {
	c.logFailure(op, err, "user", c.in.User.ID)
	if outage(err) {
		c.tryAgain()
		return
	}
	c.show(c.t("error.internal", c.withContact(nil)), c.menuKeyboard())
}

// withContact adds the practice's contact details to message data, for the
// messages that send the client elsewhere.
func (c *turn) withContact(data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	if c.practice.Contact != "" {
		data["Contact"] = iso(c.lang, c.practice.Contact)
	}
	return data
}

func (c *turn) onText() {
	cmd, ok := ParseCommand(c.in.Text, c.username)
	if !ok {
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
		return
	}
	if c.onAdminCommand(cmd) {
		return
	}
	switch cmd.Name {
	case "start":
		if cmd.Arg != "" {
			if s, ok := c.practice.Service(cmd.Arg); ok {
				c.chooseService(s.ID)
				return
			}
		}
		c.start()
	case "book":
		c.services()
	case "my":
		c.mine()
	case "help":
		c.help()
	case "language":
		c.chooseLanguage()
	case "privacy":
		c.privacy()
	case "cancel":
		if st := c.loadState(c.ctx, c.in.User.ChatID); st.Note != "" {
			c.saveState(c.ctx, c.in.User.ChatID, state{})
			c.show(c.t("admin.note_dropped", nil), nil)
			return
		}
		c.stop()
	default:
		c.show(c.t("command.unknown", map[string]any{"Command": esc("/" + cmd.Name)}), c.menuKeyboard())
	}
}

func (c *turn) onButton() {
	a, ok := ParseCallback(c.in.Data)
	if !ok {
		c.log.Warn("refused callback data", "user", c.in.User.ID, "len", len(c.in.Data))
		c.res.Notice = c.t("button.stale", nil)
		c.show(c.t("button.stale_text", nil), c.menuKeyboard())
		return
	}
	if c.onAdminButton(a) || c.onWaitButton(a) || c.onPrivacyButton(a) {
		return
	}
	switch a.Verb {
	case vNoop:
	case vMenu:
		c.start()
	case vBook:
		c.services()
	case vService:
		c.chooseService(a.Service)
	case vTherapist, vWeek:
		c.week(a.Service, a.Therapist, a.Day)
	case vDay:
		c.day(a.Service, a.Therapist, a.Day)
	case vTime:
		c.hold(a.Service, a.Therapist, a.Time)
	case vConfirm:
		c.confirm(a.Appt)
	case vChange:
		c.changeTime(a.Appt)
	case vAbandon:
		c.abandon(a.Appt)
	case vMine:
		c.mine()
	case vCancelAsk:
		c.cancelAsk(a.Appt)
	case vCancelDo:
		c.cancelDo(a.Appt, a.Percent)
	case vReschedule, vRescheduleWk:
		c.rescheduleWeek(a.Appt, a.Day)
	case vRescheduleDy:
		c.rescheduleDay(a.Appt, a.Day)
	case vRescheduleTm:
		c.rescheduleHold(a.Appt, a.Time)
	case vAttend:
		c.attend(a.Appt)
	case vHelp:
		c.help()
	case vLang:
		c.setLanguage(a.Lang)
	}
}
