package bot_test

import (
	"html"
	"strings"
	"testing"

	"github.com/tori-bot/tori/internal/bidi"
)

// TestHebrewReturnPagesReadInOrder: a Hebrew client cancels at PayPal, then
// pays; both pages tori serves are right to left, and the session's range,
// the hold's end and the amount each sit in a left-to-right isolate (the
// start time before the end time), with no number left bare.
func TestHebrewReturnPagesReadInOrder(t *testing.T) {
	l := startLive(t)
	omer := l.user(102, "עומר", "he")
	omer.say("/start intake").sees("פגישת היכרות")
	omer.press("ה׳ 3/12").press("10:00").press("אישור ותשלום").sees("תשלום לאישור התור")
	_, approve := omer.payButton()
	rng := bidi.LTR("10:00" + bidi.WJ + "–" + bidi.WJ + "11:00")

	for _, c := range []struct {
		name, url string
		want      []string
	}{
		{"cancelled at PayPal", approve + "&cancel=1", []string{"התשלום בוטל", rng, bidi.LTR("10:15"), bidi.LTR("350.50\u00a0₪")}},
		{"paid", approve, []string{"שולם", rng, bidi.Auto("Adi Levi")}},
	} {
		status, page := l.visit(c.url)
		if status != 200 || !strings.Contains(page, `<html lang="he" dir="rtl">`) {
			t.Fatalf("%s: page %d:\n%s", c.name, status, page)
		}
		_, body, _ := strings.Cut(page, "<main>")
		text := html.UnescapeString(plain(body))
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the page lacks %q:\n%q", c.name, w, text)
			}
		}
		if bare := bidi.Bare(text); len(bare) > 0 {
			t.Errorf("%s: outside any isolate: %q in\n%q", c.name, bare, text)
		}
	}
}
