package bot

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tori-bot/tori/internal/bidi"
	"gopkg.in/yaml.v3"
)

var (
	// latinBrackets is a bracketed run of Latin text: "(Google, Outlook, Apple)".
	latinBrackets = regexp.MustCompile(`\([^()\p{Hebrew}]*\p{Latin}[^()\p{Hebrew}]*\)`)
	// timeRange is a literal range of times: "12:00–17:00", joined or not.
	timeRange = regexp.MustCompile(`\d\d:\d\d` + bidi.WJ + `?–` + bidi.WJ + `?\d\d:\d\d`)
	// action is a template action: its value is isolated where it is made.
	action = regexp.MustCompile(`\{\{[^}]*\}\}`)
)

// TestCatalogBidi: in the Hebrew catalog, brackets around Latin text sit in
// a left-to-right isolate with it (else a right-to-left line may turn or
// misplace them), and so does every literal time range; in every catalog
// a time range is joined so that a line never breaks at its dash.
func TestCatalogBidi(t *testing.T) {
	for _, lang := range []string{"en", "he"} {
		buf, err := localeFiles.ReadFile("locales/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(buf, &m); err != nil {
			t.Fatal(err)
		}
		for id, v := range m {
			var texts []string
			switch v := v.(type) {
			case string:
				texts = []string{v}
			case map[string]any:
				for _, f := range v {
					if s, ok := f.(string); ok {
						texts = append(texts, s)
					}
				}
			}
			for _, s := range texts {
				s = action.ReplaceAllString(s, "…")
				for _, r := range timeRange.FindAllString(s, -1) {
					if !strings.Contains(r, bidi.WJ+"–"+bidi.WJ) {
						t.Errorf("%s %q: the range %q can break at its dash (join it with bidi.WJ)", lang, id, r)
					}
				}
				if lang != "he" {
					continue
				}
				for _, i := range timeRange.FindAllStringIndex(s, -1) {
					if !strings.HasSuffix(s[:i[0]], bidi.LRI) || !strings.HasPrefix(s[i[1]:], bidi.PDI) {
						t.Errorf("he %q: the range %q is not in a left-to-right isolate", id, s[i[0]:i[1]])
					}
				}
				for _, i := range latinBrackets.FindAllStringIndex(s, -1) {
					if !strings.HasSuffix(s[:i[0]], bidi.LRI) || !strings.HasPrefix(s[i[1]:], bidi.PDI) {
						t.Errorf("he %q: %q is not in a left-to-right isolate with its brackets", id, s[i[0]:i[1]])
					}
				}
			}
		}
	}
}
