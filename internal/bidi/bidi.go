// Package bidi keeps times, ranges, prices and Latin names readable inside
// right-to-left (Hebrew) text, with the Unicode isolates of UAX #9, the
// same way in a Telegram message and on an HTML page: a run wrapped in an
// isolate keeps its own order, whatever its neighbours are.
package bidi

import (
	"strings"
	"unicode"
)

// The isolates and the word joiner, as text.
const (
	LRI = "\u2066" // left-to-right isolate
	RLI = "\u2067" // right-to-left isolate
	FSI = "\u2068" // first strong isolate: the direction of its first letter
	PDI = "\u2069" // pop directional isolate: ends the innermost isolate
	WJ  = "\u2060" // word joiner: no line break on either side
)

// RTL reports whether lang (a language code such as "he") is written right
// to left.
func RTL(lang string) bool {
	switch lang {
	case "he", "ar", "fa", "ur", "yi":
		return true
	}
	return false
}

// Dir is lang's direction for an HTML dir attribute: "rtl" or "ltr".
func Dir(lang string) string {
	if RTL(lang) {
		return "rtl"
	}
	return "ltr"
}

// LTR isolates s as a left-to-right run ("10:00–10:50", "350.50 ₪", a URL),
// unless it is empty or isolated so already.
func LTR(s string) string {
	if s == "" || strings.HasPrefix(s, LRI) {
		return s
	}
	return LRI + s + PDI
}

// Auto isolates s in the direction of its first letter: a name, a date
// written in words.
func Auto(s string) string {
	if s == "" {
		return s
	}
	return FSI + s + PDI
}

// AutoIn is Auto(s) in a right-to-left language and s as it is in a
// left-to-right one: a raw value (a name, a date) that keeps its own
// direction inside a Hebrew page.
func AutoIn(lang, s string) string {
	if RTL(lang) {
		return Auto(s)
	}
	return s
}

// Range writes "from–to" with an en dash that a line never breaks at.
func Range(from, to string) string { return from + WJ + "–" + WJ + to }

// Bare returns the runs of digits in s (with the separators and currency
// signs that belong to them) that stand outside every isolate: in a
// right-to-left line each is a time, date or amount whose order the
// reader's app may rearrange. Tests use it on every Hebrew text.
func Bare(s string) []string {
	var bare []string
	depth, start := 0, -1
	end := func(i int) {
		if start >= 0 {
			bare = append(bare, strings.Trim(s[start:i], " .,:/–"+WJ+"\u00a0"))
			start = -1
		}
	}

	for i, r := range s {
		switch {
		case r == '\u2066' || r == '\u2067' || r == '\u2068':
			end(i)
			depth++
		case r == '\u2069':
			end(i)
			depth = max(depth-1, 0)
		case depth > 0:
		case unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
		case start >= 0 && (strings.ContainsRune(":./,–\u00a0"+WJ, r) || unicode.Is(unicode.Sc, r)):
			// still part of the number: 14:30, 25/11, 350.50 ₪, 09:00–09:50
		default:
			end(i)
		}
	}

	end(len(s))
	return bare
}
