package telegram_test

import (
	"context"
	"errors"
	"net"
	"testing"

	tg "github.com/go-telegram/bot"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/telegram"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestErrorsKeepTheirCause: what the adapter says of a failure wraps what
// failed, so a caller still finds the library's error or the network's:
// a refused token, an unreachable Bot API, a chat that cannot be written
// to, a message Telegram refuses as it is.
func TestErrorsKeepTheirCause(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()

	t.Run("RefusedToken", func(t *testing.T) {
		_, err := telegram.Connect(ctx, telegram.Config{Bot: l.bot, Store: l.tgStore(), Token: "42:" + telegramtest.Token[7:], APIURL: l.fake.URL})
		if !errors.Is(err, tg.ErrorUnauthorized) {
			t.Fatalf("%v: not the library's ErrorUnauthorized", err)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		_, err := telegram.Connect(ctx, telegram.Config{Bot: l.bot, Store: l.tgStore(), Token: telegramtest.Token, APIURL: "http://127.0.0.1:1"})
		var ne net.Error
		if !errors.As(err, &ne) {
			t.Fatalf("%v: not the network's error", err)
		}
	})
	t.Run("ChatUnreachable", func(t *testing.T) {
		err := l.tg.Send(ctx, bot.Reply{ChatID: 777001, Text: "hello"}) // a chat that never started the bot
		if !errors.Is(err, bot.ErrUnreachable) || !errors.Is(err, tg.ErrorBadRequest) {
			t.Fatalf("%v: want bot.ErrUnreachable wrapping the library's ErrorBadRequest", err)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		l.fake.Open(777002)
		err := l.tg.Send(ctx, bot.Reply{ChatID: 777002, Text: "<b>unclosed"})
		if !errors.Is(err, bot.ErrRefused) || !errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, bot.ErrUnreachable) {
			t.Fatalf("%v: want bot.ErrRefused wrapping the library's ErrorBadRequest", err)
		}
	})
}

// tgStore is the live bot's store as the adapter sees it.
func (l *live) tgStore() telegram.Store { return l.bookings.Store.(telegram.Store) }
