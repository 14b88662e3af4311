package bot

import (
	"embed"
	"fmt"
	"html"
	"io/fs"
	"path"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/tori-bot/tori/internal/bidi"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed locales/*.yaml
var localeFiles embed.FS

// catalog holds the message catalogs, one per language. Every message id
// exists in every catalog (a test checks); a missing one falls back to
// English and is reported through onMissing.
type catalog struct {
	bundle    *i18n.Bundle
	locs      map[string]*i18n.Localizer
	onMissing func(lang, id string, err error)
	plain     sync.Map // lang + "\x00" + id -> a message without data, as rendered
}

func newCatalog() (*catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)

	files, err := fs.Glob(localeFiles, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		buf, err := localeFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(buf, path.Base(f)); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f, err)
		}
	}

	c := &catalog{bundle: b, locs: map[string]*i18n.Localizer{}}
	for _, l := range []string{"en", "he"} {
		c.locs[l] = i18n.NewLocalizer(b, l, "en")
	}
	return c, nil
}

// T returns message id in lang with data (a map or struct; strings in it
// must already be escaped for Telegram HTML).
func (c *catalog) T(lang, id string, data any) string {
	if data != nil {
		s, _ := c.localize(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		return s
	}
	// A message without data (a button's label, mostly) is the same every
	// time: rendered once per language. Each view has several, and
	// rendering one runs go-i18n's language matching and a template.
	key := lang + "\x00" + id
	if s, ok := c.plain.Load(key); ok {
		return s.(string)
	}
	s, ok := c.localize(lang, &i18n.LocalizeConfig{MessageID: id})
	if ok {
		c.plain.Store(key, s)
	}
	return s
}

// N is T with a plural count; data gets .Count too when it is a map.
func (c *catalog) N(lang, id string, count int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = count
	s, _ := c.localize(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	return s
}

// localize renders a message; ok is false when it could not (onMissing
// is told, and the English text or the id stands in).
func (c *catalog) localize(lang string, lc *i18n.LocalizeConfig) (string, bool) {
	loc, ok := c.locs[lang]
	if !ok {
		loc = c.locs["en"]
	}
	s, err := loc.Localize(lc)
	if err != nil {
		if c.onMissing != nil {
			c.onMissing(lang, lc.MessageID, err)
		}
		if s == "" {
			return lc.MessageID, false
		}
		return s, false
	}
	return s, true
}

// esc escapes text for Telegram's HTML parse mode.
func esc(s string) string { return html.EscapeString(s) }

// iso escapes s and, in Hebrew, isolates it so that its own direction is
// kept (see internal/bidi).
func iso(lang, s string) string {
	if bidi.RTL(lang) {
		return bidi.Auto(esc(s))
	}
	return esc(s)
}

// ltr keeps a run like "10:00–10:50" left to right inside Hebrew text. s
// must already be safe HTML.
func ltr(lang, s string) string {
	if bidi.RTL(lang) {
		return bidi.LTR(s)
	}
	return s
}
