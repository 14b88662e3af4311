package bot

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestCatalogsComplete fails when a message id is in one catalog and not
// the other, when a plural message lacks a form its language needs, or
// when a message does not render.
func TestCatalogsComplete(t *testing.T) {
	ids := map[string]map[string]any{}
	files, _ := fs.Glob(localeFiles, "locales/*.yaml")
	for _, f := range files {
		buf, _ := localeFiles.ReadFile(f)
		var m map[string]any
		if err := yaml.Unmarshal(buf, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ids[strings.TrimSuffix(strings.TrimPrefix(f, "locales/"), ".yaml")] = m
	}
	if len(ids) != 2 {
		t.Fatalf("catalogs: %v", slices.Collect(maps.Keys(ids)))
	}
	for lang, m := range ids {
		for other, om := range ids {
			for id := range m {
				if _, ok := om[id]; !ok {
					t.Errorf("%q is in %s but not in %s", id, lang, other)
				}
			}
		}
	}
	forms := map[string][]string{"en": {"one", "other"}, "he": {"one", "two", "other"}}
	cat, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	cat.onMissing = func(lang, id string, err error) { missing = append(missing, lang+":"+id+": "+err.Error()) }
	for lang, m := range ids {
		for id, v := range m {
			if pl, ok := v.(map[string]any); ok {
				for _, f := range forms[lang] {
					if _, ok := pl[f]; !ok {
						t.Errorf("%s %q lacks the plural form %q", lang, id, f)
					}
				}
				for _, n := range []int{1, 2, 5} {
					cat.N(lang, id, n, nil)
				}
				continue
			}
			cat.T(lang, id, map[string]any{}) // template errors reach onMissing
		}
	}
	if len(missing) > 0 {
		t.Fatalf("catalog errors:\n%s", strings.Join(missing, "\n"))
	}
}

// TestPlainMessagesRenderedOnce: a message without data is rendered once
// per language and then given from memory, the same text; a missing one is
// reported every time, never remembered.
func TestPlainMessagesRenderedOnce(t *testing.T) {
	cat, err := newCatalog()
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	cat.onMissing = func(string, string, error) { missing++ }
	for _, lang := range []string{"en", "he"} {
		first := cat.T(lang, "button.back", nil)
		if first == "" || first == "button.back" || cat.T(lang, "button.back", nil) != first {
			t.Fatalf("%s: %q, then %q", lang, first, cat.T(lang, "button.back", nil))
		}
	}
	if cat.T("en", "button.back", nil) == cat.T("he", "button.back", nil) {
		t.Fatal("one language's text given for the other")
	}
	if _, kept := cat.plain.Load("he\x00button.back"); !kept {
		t.Fatal("a message without data is rendered again each time")
	}
	cat.T("en", "no.such.message", nil)
	cat.T("en", "no.such.message", nil)
	if missing != 2 {
		t.Fatalf("a missing message was reported %d times in two lookups, want 2", missing)
	}
}
