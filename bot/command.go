package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Command is a parsed bot command: "/book@TheBot intake" -> {Name: "book", Arg: "intake"}.
type Command struct {
	Name string // lower case, without the slash
	Arg  string // the rest, trimmed
}

// ParseCommand reads a command at the start of a message's text. It accepts
// "/name", "/name@bot" when bot is this bot's username (any case) or empty,
// and an argument after white space. It does not rely on Telegram's entity
// offsets (UTF-16), so text before or after in any script is harmless. ok is
// false when the text is not a command for this bot.
func ParseCommand(text, botUsername string) (Command, bool) {
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	if !strings.HasPrefix(text, "/") || !utf8.ValidString(text) {
		return Command{}, false
	}
	head, rest := splitCommand(text[1:])

	// "/name@bot" is for another bot unless bot is this one.
	name, target, addressed := strings.Cut(head, "@")
	if addressed && botUsername != "" && !strings.EqualFold(target, botUsername) {
		return Command{}, false
	}
	if !commandName(name) {
		return Command{}, false
	}
	return Command{Name: strings.ToLower(name), Arg: strings.TrimSpace(rest)}, true
}

// splitCommand splits what follows the slash at its first white space: the
// command (with its @bot, if any), and the rest.
func splitCommand(s string) (head, rest string) {
	head, rest, _ = strings.Cut(s, " ")
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, rest = head[:i], head[i:]+" "+rest
	}
	return head, rest
}

// commandName reports whether name can be a command's: 1 to 32 Latin
// letters, digits or underscores.
func commandName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// A Menu is a command menu Telegram shows beside the message box: the
// clients' (Chat 0), in English for everyone or in another language for
// those whose Telegram speaks it (LanguageCode), or the one a person of
// the practice sees in their own chat (Chat), in their language.
type Menu struct {
	LanguageCode string // for Chat 0: "" for everyone, else the clients whose Telegram is in it
	Chat         int64
	Items        []MenuItem
}

// MenuItem is a command and what a menu says of it.
type MenuItem struct{ Command, Description string }

// Menus are the command menus to register: the clients' in English and
// Hebrew, then each therapist's and staff member's.
func (b *Bot) Menus() []Menu {
	items := func(lang string, cmds ...string) []MenuItem {
		var out []MenuItem
		for _, c := range cmds {
			out = append(out, MenuItem{Command: c, Description: b.cat.T(lang, "cmd."+c, nil)})
		}
		return out
	}
	client := []string{"book", "my", "help", "language", "privacy", "cancel"}
	menus := []Menu{{Items: items("en", client...)}, {LanguageCode: "he", Items: items("he", client...)}}

	// The practice's people see the admin commands too, in their chat only.
	admins := map[int64]string{}
	for _, th := range b.practice.Therapists {
		for _, id := range th.TelegramIDs {
			admins[id] = th.Lang
		}
	}
	for _, id := range b.practice.Staff {
		if _, ok := admins[id]; !ok {
			admins[id] = ""
		}
	}
	for id, lang := range admins {
		if lang == "" {
			lang = b.practice.Language
		}
		menus = append(menus, Menu{Chat: id, Items: items(lang, "today", "week", "agenda", "block", "unblock", "client", "calendar", "book", "my", "help")})
	}
	return menus
}
