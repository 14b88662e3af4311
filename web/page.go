package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/tori-bot/tori/internal/bidi"
)

//go:embed pages/page.html
var pageFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(pageFiles, "pages/page.html"))

type pageButton struct {
	Text      string
	URL       string
	Secondary bool
}

// page is one page a buyer sees: its text is raw (the template escapes it).
type page struct {
	Lang, Dir, Practice, Mark, Title string
	Head                             string // the <title>
	Lines                            []string
	Buttons                          []pageButton
	Refresh                          int
	status                           int
}

func (p *Pages) render(w http.ResponseWriter, pg page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if pg.status != 0 {
		w.WriteHeader(pg.status)
	}
	if err := pageTemplate.Execute(w, pg); err != nil {
		p.log.Error("render page", "err", err)
	}
}

// text is a catalog message for a page: data is raw (the page template
// escapes the result).
func (p *Pages) text(lang, id string, data map[string]any) string {
	return p.bot.PageText(lang, id, data)
}

func (p *Pages) newPage(lang, mark, titleID string) page {
	pg := page{Lang: lang, Dir: bidi.Dir(lang), Practice: p.practice.Name, Mark: mark, Title: p.text(lang, titleID, nil)}
	pg.Head = pg.Title + " · " + bidi.AutoIn(lang, pg.Practice)
	return pg
}

// backButton leads back to the chat with the bot.
func (p *Pages) backButton(lang string) pageButton {
	return pageButton{Text: p.text(lang, "page.back", nil), URL: p.bot.ChatURL()}
}

func (p *Pages) unknownPage() page {
	pg := p.newPage(p.practice.Language, "🔎", "page.unknown.title")
	pg.Lines = []string{p.text(pg.Lang, "page.unknown.body", nil)}
	pg.Buttons = []pageButton{p.backButton(pg.Lang)}
	pg.status = http.StatusNotFound
	return pg
}
