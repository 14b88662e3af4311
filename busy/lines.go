package busy

import (
	"bytes"
	"strings"
)

// prop is one content line: its name (upper case), its parameters (names
// upper case, values unquoted) and its raw value.
type prop struct {
	name   string
	params map[string]string
	value  string
}

// param returns the parameter's value, "" if absent.
func (p prop) param(name string) string { return p.params[name] }

// component is a BEGIN/END block: its kind (VEVENT, VTIMEZONE, ...), its
// properties in order and the components inside it.
type component struct {
	kind     string
	props    []prop
	children []*component
}

// get returns the first property named name.
func (c *component) get(name string) (prop, bool) {
	for _, p := range c.props {
		if p.name == name {
			return p, true
		}
	}
	return prop{}, false
}

// value returns the first property named name's value, "" if absent.
func (c *component) value(name string) string {
	p, _ := c.get(name)
	return p.value
}

// all returns every property named name.
func (c *component) all(name string) []prop {
	var out []prop
	for _, p := range c.props {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

// readCalendar reads the first VCALENDAR of an iCalendar body (RFC 5545
// 3.1): lines unfolded, names case-insensitive, a line it cannot read
// skipped. It returns nil when the body holds no complete VCALENDAR (an
// HTML page, an empty or truncated body), which the caller treats as a
// failed fetch, never as "no busy times".
func readCalendar(body []byte) *component {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
	var stack []*component
	for _, line := range unfold(body) {
		p, ok := parseLine(line)
		if !ok {
			continue
		}

		switch p.name {
		case "BEGIN":
			c := &component{kind: strings.ToUpper(p.value)}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, c)
			} else if c.kind != "VCALENDAR" {
				continue
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if top.kind != strings.ToUpper(p.value) {
				continue // a stray END: keep reading
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return top
			}
		default:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.props = append(top.props, p)
			}
		}
	}
	return nil
}

// unfold splits body into logical lines: a line that starts with a space
// or a tab continues the one before it.
func unfold(body []byte) []string {
	raw := strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	out := make([]string, 0, len(raw))
	for _, l := range raw {
		l = strings.TrimSuffix(l, "\r")
		if len(out) > 0 && l != "" && (l[0] == ' ' || l[0] == '\t') {
			out[len(out)-1] += l[1:]
			continue
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parseLine reads name *(";" param) ":" value, with quoted parameter
// values that may hold ':' and ';'.
func parseLine(line string) (prop, bool) {
	colon, semi := -1, -1
	quoted := false
	for i := 0; i < len(line) && colon < 0; i++ {
		switch c := line[i]; {
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted && semi < 0:
			semi = i
		case c == ':' && !quoted:
			colon = i
		}
	}
	if colon <= 0 {
		return prop{}, false
	}

	head := line[:colon]
	p := prop{value: line[colon+1:]}
	if semi < 0 || semi > colon {
		p.name = strings.ToUpper(strings.TrimSpace(head))
		return p, p.name != ""
	}
	p.name = strings.ToUpper(strings.TrimSpace(head[:semi]))
	p.params = parseParams(head[semi+1:])
	return p, p.name != ""
}

// parseParams reads name=value pairs separated by ';' (values may be quoted).
func parseParams(s string) map[string]string {
	params := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		name := strings.ToUpper(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]

		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:end+1], s[end+2:]
			}
			// A quoted value may be followed by more (a list): keep to the next ';'.
			if i := strings.IndexByte(s, ';'); i >= 0 {
				s = s[i+1:]
			} else {
				s = ""
			}
		} else if i := strings.IndexByte(s, ';'); i >= 0 {
			val, s = s[:i], s[i+1:]
		} else {
			val, s = s, ""
		}
		params[name] = val
	}
	return params
}
