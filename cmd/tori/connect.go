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

// telegramTimeout bounds the first call to Telegram (a variable, so that
// tests can shorten it); a server that takes the connection and never
// answers would otherwise hold tori for the client's 60 s.
var telegramTimeout = 10 * time.Second

// connectTelegram is telegram.Connect with a line before it and
// telegramTimeout on it.
func connectTelegram(ctx context.Context, log *slog.Logger, o telegram.Config) (*telegram.Telegram, error) {
	where := "api.telegram.org"
	if u, err := url.Parse(o.APIURL); err == nil && u.Host != "" {
		where = u.Host
	}

	log.Info("connecting to Telegram…", "api", where)
	cctx, cancel := context.WithTimeout(ctx, telegramTimeout)
	defer cancel()
	tg, err := telegram.Connect(cctx, o)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("Telegram (%s) did not answer within %s: check the network, or TELEGRAM_API_URL", where, telegramTimeout)
	}
	return tg, err
}
