// Package bot is tori's conversation: plain Go over Input and Reply values
// (Handle; dispatch.go finds what each command and button does), tested
// without HTTP, with the message catalogs the chat and the pages (package
// web) read. Package telegram translates Telegram's updates in and the
// replies out; calendar files are package ical's.
package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Store is what the bot keeps besides appointments: conversation state per
// chat, each user's language, the relayed messages and the feeds' secrets.
// storage.Store satisfies it. Errors are EINTERNAL.
type Store interface {
	ChatState(ctx context.Context, chatID int64) ([]byte, error)
	SetChatState(ctx context.Context, chatID int64, state []byte, ttl time.Duration) error
	Language(ctx context.Context, userID int64) (string, error)
	SetLanguage(ctx context.Context, userID int64, lang string, now time.Time) error
	// RelayOf finds the client's chat a message in an admin's chat relays
	// (ENOTFOUND); the sender remembers it once the message is sent.
	RelayOf(ctx context.Context, adminChat int64, msg int) (int64, error)
	// Enqueue puts due work in a queue (a message to pass on later).
	Enqueue(ctx context.Context, q tori.Queue, therapist, member string, due time.Time) error
	// CalendarToken returns a therapist's feed secret (making one);
	// NewCalendarToken replaces it.
	CalendarToken(ctx context.Context, therapistID string) (string, error)
	NewCalendarToken(ctx context.Context, therapistID string) (string, error)
	// BusyState returns what is kept of one of a therapist's own calendars.
	BusyState(ctx context.Context, tid, source string) (tori.BusyState, error)
	// BusyLastRead returns when a calendar was last read well (zero: never).
	BusyLastRead(ctx context.Context, tid, source string) (time.Time, error)
	// Unavailable reports whether err is the store unable to take a command
	// this moment (down, out of memory, failing over): an outage the user is
	// asked to wait out, not a fault.
	Unavailable(err error) bool
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
	username  string // the bot's @username, learned from Telegram (SetUsername)
	privacy   *tori.Privacy
}

// New builds the conversation side of the bot (package telegram connects it).
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

// SetUsername tells the bot its @username, as Telegram knows it: commands
// addressed to it and links to its chat use it. Call it before the bot
// handles anything.
func (b *Bot) SetUsername(name string) { b.username = name }

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
	// takes it out (package telegram, durable.go).
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
	// The language and the chat's state: as the caller read them beside the
	// update's claim, else read when needed.
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
