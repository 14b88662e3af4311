package bot

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

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
	// NewClient is the step of adding a client without Telegram ("name",
	// then "phone" with the name typed in ClientName).
	NewClient  string `json:"new_client,omitempty"`
	ClientName string `json:"client_name,omitempty"`

	// The practice books for a client (practice_book.go): ForWho, the
	// next text names them; ForClient, the client the flow whose buttons
	// carry ForToken books for; ForPlan, the stamp of the series shown.
	ForWho      bool   `json:"for_who,omitempty"`
	ForToken    string `json:"for_token,omitempty"`
	ForClient   int64  `json:"for_client,omitempty"`
	ForUsername string `json:"for_username,omitempty"`
	ForName     string `json:"for_name,omitempty"`
	ForLang     string `json:"for_lang,omitempty"`
	ForChat     int64  `json:"for_chat,omitempty"` // 0: a client without Telegram, never messaged
	ForPlan     string `json:"for_plan,omitempty"`
}

const stateTTL = 24 * time.Hour

// forClient is the client the practice is booking for (ForClient).
func (s state) forClient() tori.Client {
	return tori.Client{ID: s.ForClient, ChatID: s.ForChat, Name: s.ForName, Username: s.ForUsername, Lang: s.ForLang}
}

// forKept is s with only the practice's booking flow kept (a new series plan's stamp).
func (s state) forKept(plan string) state {
	return state{ForToken: s.ForToken, ForClient: s.ForClient, ForUsername: s.ForUsername, ForName: s.ForName, ForLang: s.ForLang, ForChat: s.ForChat, ForPlan: plan}
}

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
		return v == vTime || v == vRescheduleTm || v == vAbandon || v == vOfferPass || v == vPrivacyErase || v == vPrivacyEraseDo ||
			forReadsState[v]
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
