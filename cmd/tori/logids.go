package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
)

// personKeys are the log attributes that carry a person's Telegram id.
var personKeys = map[string]bool{"chat": true, "user": true, "client": true, "admin": true, "from": true}

// pseudonymous returns a slog ReplaceAttr that writes a Telegram id as a
// keyed pseudonym ("id:3f9c0a1b2c4d"), so that the logs carry no personal
// data yet one person's lines can still be followed. The key comes from
// TORI_DATA_KEY when it is set (the same pseudonym on every process and
// restart), and is random per process otherwise. docs/PRIVACY.md, "Logs".
func pseudonymous(getenv func(string) string) func([]string, slog.Attr) slog.Attr {
	key := make([]byte, 32)
	if dk := strings.TrimSpace(getenv("TORI_DATA_KEY")); dk != "" {
		sum := sha256.Sum256([]byte("tori log ids\x00" + dk))
		key = sum[:]
	} else {
		rand.Read(key)
	}

	return func(_ []string, a slog.Attr) slog.Attr {
		if !personKeys[a.Key] {
			return a
		}

		var id string
		switch v := a.Value.Resolve(); v.Kind() {
		case slog.KindInt64:
			id = strconv.FormatInt(v.Int64(), 10)
		case slog.KindUint64:
			id = strconv.FormatUint(v.Uint64(), 10)
		case slog.KindString:
			id = v.String()
		default:
			return a
		}

		// Only an id is written as a pseudonym: nothing, or 0, is left as it is.
		if id == "" || id == "0" {
			return a
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		return slog.String(a.Key, "id:"+hex.EncodeToString(mac.Sum(nil)[:6]))
	}
}
