package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tori-bot/tori/telegram"
)

// botToken is the form of the tokens @BotFather gives: the bot's numeric
// id, a colon and 35 letters, digits, - or _.
var botToken = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{35}$`)

// readToken is TELEGRAM_BOT_TOKEN, refused before any call to Telegram
// when it is missing or not of @BotFather's form. The error never quotes
// the token.
func readToken(getenv func(string) string) (string, error) {
	token := strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN"))
	if token == "" {
		return "", errors.New("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram and set the token it gives you (or run tori preview to try the bot on this machine)")
	}
	if !botToken.MatchString(token) {
		return "", fmt.Errorf("TELEGRAM_BOT_TOKEN is not a bot token (it has %d characters): @BotFather gives one like 123456789:AAF… — digits, a colon and 35 letters, digits, - or _; copy it whole, without quotes or spaces", len(token))
	}
	return token, nil
}

// telegramTimeout bounds each call to Telegram at start-up (a variable,
// so that tests can shorten it); a server that takes the connection and
// never answers would otherwise hold tori for the client's 60 s.
var telegramTimeout = 10 * time.Second

// errTelegramSilent: Telegram took the connection but did not answer a
// start-up call within telegramTimeout.
var errTelegramSilent = errors.New("did not answer")

// connectTelegram is telegram.Connect with a line before it and
// telegramTimeout on it.
func connectTelegram(ctx context.Context, log *slog.Logger, o telegram.Config) (*telegram.Telegram, error) {
	log.Info("connecting to Telegram…", "api", telegramHost(o.APIURL))
	var tg *telegram.Telegram
	err := atStart(ctx, o.APIURL, "", func(ctx context.Context) (err error) {
		tg, err = telegram.Connect(ctx, o)
		return err
	})
	return tg, err
}

// atStart makes a start-up call to Telegram (the one at apiURL) with
// telegramTimeout on it; what names it in the error of a call that got no
// answer (errTelegramSilent).
func atStart(ctx context.Context, apiURL, what string, call func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, telegramTimeout)
	defer cancel()
	err := call(cctx)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		if what != "" {
			what = " (" + what + ")"
		}
		return fmt.Errorf("Telegram (%s) %w within %s%s: check the network, or TELEGRAM_API_URL", telegramHost(apiURL), errTelegramSilent, telegramTimeout, what)
	}
	return err
}

// telegramHost is the host of the Bot API at apiURL ("": Telegram's own).
func telegramHost(apiURL string) string {
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "api.telegram.org"
}
