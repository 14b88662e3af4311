package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
)

var tags = regexp.MustCompile(`<[^>]+>`)

// TestHebrewReturnPagesReadInOrder: a Hebrew client cancels at PayPal, then
// pays; both pages tori serves are right to left, and the session's range,
// the hold's end and the amount each sit in a left-to-right isolate (the
// start time before the end time), with no number left bare. Paid, the
// client is told in the chat.
func TestHebrewReturnPagesReadInOrder(t *testing.T) {
	s := startSite(t)
	omer := tori.Client{ID: 102, ChatID: 102, Name: "עומר", Username: "omer", Lang: "he"}
	s.fake.Open(omer.ChatID)
	h := s.holdToPay(omer, "intake", time.Date(2026, 12, 3, 10, 0, 0, 0, s.p.Location))
	rng := bidi.LTR("10:00" + bidi.WJ + "–" + bidi.WJ + "11:00")

	for _, c := range []struct {
		name, url string
		want      []string
	}{
		{"cancelled at PayPal", h.ApproveURL + "&cancel=1", []string{"התשלום בוטל", rng, bidi.LTR("10:15"), bidi.LTR("350.50\u00a0₪")}},
		{"paid", h.ApproveURL, []string{"שולם", rng, bidi.Auto("Adi Levi")}},
	} {
		status, page := s.get(c.url)
		if status != 200 || !strings.Contains(page, `<html lang="he" dir="rtl">`) {
			t.Fatalf("%s: page %d:\n%s", c.name, status, page)
		}
		_, body, _ := strings.Cut(page, "<main>")
		text := html.UnescapeString(tags.ReplaceAllString(body, ""))
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the page lacks %q:\n%q", c.name, w, text)
			}
		}
		if bare := bidi.Bare(text); len(bare) > 0 {
			t.Errorf("%s: outside any isolate: %q in\n%q", c.name, bare, text)
		}
	}
	s.waitChat(omer.ChatID, "התור נקבע.")
}
