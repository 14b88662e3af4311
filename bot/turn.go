package bot

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

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
	if c.outage(err) {
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

// say shows message id (one without data) with the menu below it: the
// plain answer that ends a step, such as "that booking is gone".
func (c *turn) say(id string) { c.show(c.t(id, nil), c.menuKeyboard()) }

// saying is say as a refusal (see refuse).
func (c *turn) saying(id string) func() { return func() { c.say(id) } }

// refusals is what a step tells the user for each error code it expects
// from a use case.
type refusals map[string]func()

// refuse tells the user why err stopped what they asked: the refusal for
// its code, else, for an error no step expects, the apology for a fault of
// ours (fail, which logs it as op). A step calls it when err is not nil,
// and returns.
func (c *turn) refuse(op string, err error, on refusals) {
	if tell, ok := on[tori.ErrorCode(err)]; ok {
		tell()
		return
	}
	c.fail(op, err)
}
