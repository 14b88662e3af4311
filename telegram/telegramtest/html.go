package telegramtest

import (
	"errors"
	"fmt"
	"strings"
)

// allowedTags are the tags of Telegram's HTML parse mode.
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true,
	"del": true, "a": true, "code": true, "pre": true, "span": true, "tg-spoiler": true, "blockquote": true, "tg-emoji": true,
}

// parseHTML checks text the way Telegram's HTML parse mode does (tags must
// be known, nested and closed; only &lt; &gt; &amp; &quot; and numeric
// entities) and returns the plain text.
func parseHTML(s string) (string, error) {
	var plain strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1

			// An end tag closes the last one open; a start tag must be Telegram's.
			if strings.HasPrefix(tag, "/") {
				name := tag[1:]
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\"", i, last(stack))
				}
				stack = stack[:len(stack)-1]
				continue
			}
			name, _, _ := strings.Cut(tag, " ")
			if !allowedTags[name] {
				return "", fmt.Errorf("unsupported start tag \"%s\" at byte offset %d", name, i)
			}
			stack = append(stack, name)

		case '>':
			return "", errors.New("character '>' is reserved and must be escaped with &gt;")

		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("unclosed entity at byte offset %d", i)
			}
			ent := s[i : i+end+1]
			switch {
			case ent == "&lt;", ent == "&gt;", ent == "&amp;", ent == "&quot;", strings.HasPrefix(ent, "&#"):
				plain.WriteByte('x')
			default:
				return "", fmt.Errorf("unsupported entity %s", ent)
			}
			i += end + 1

		default:
			plain.WriteByte(s[i])
			i++
		}
	}

	if len(stack) > 0 {
		return "", fmt.Errorf("can't find end tag corresponding to start tag \"%s\"", last(stack))
	}
	return plain.String(), nil
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
