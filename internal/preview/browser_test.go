//go:build browser

package preview_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is Debian's chromium (apt-get install -y chromium), or CHROMIUM.
func chromium(t *testing.T) string {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no browser at %s: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM to a Chromium or Chrome binary", path)
	}
	return path
}

// browser is one headless Chromium tab on the preview, and the
// screenshots it took.
type browser struct {
	t     *testing.T
	ctx   context.Context
	pg    *page
	shots map[string][]byte
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script and returns its value.
func eval[T any](b *browser, what, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// until evaluates a script until it returns true.
func (b *browser) until(what, script string) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for !eval[bool](b, what, script) {
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			b.t.Fatalf("%s: not on the page after %s; the page:\n%s", what, wait, html)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shot takes a screenshot of the whole page (quality 100 makes it a PNG).
func (b *browser) shot(name string) {
	b.t.Helper()
	data, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shots[name] = data
}

// tap clicks a button of the client's latest message, chosen by pick (a
// JavaScript function of the buttons, returning one or undefined), and
// waits for the message to change, as a person waits to see what the press
// did before pressing again.
func (b *browser) tap(what, pick string) {
	b.t.Helper()
	b.tapIn("client", what, pick)
}

// tapIn is tap in the chat of who: "client" or "practice".
func (b *browser) tapIn(who, what, pick string) {
	b.t.Helper()
	b.until(what, fmt.Sprintf(`(() => {
		const msgs = document.querySelectorAll("#chat-%s .msg.bot");
		const last = msgs[msgs.length - 1];
		if (!last) return false;
		const b = (%s)([...last.querySelectorAll(".keyboard button")]);
		if (!b) return false;
		window.before = last.textContent;
		b.click();
		return true;
	})()`, who, pick))
	b.until(what+": its effect", fmt.Sprintf(`(() => {
		const msgs = document.querySelectorAll("#chat-%s .msg.bot");
		return msgs[msgs.length - 1].textContent !== window.before;
	})()`, who))
}

// say types text in the chat of who ("client" or "practice") and sends
// it, and waits until the chat shows it.
func (b *browser) say(who, text string) {
	b.t.Helper()
	b.run("type "+text, chromedp.SendKeys(chromedp.CSS("#compose-"+who+" input"), text), chromedp.Click(chromedp.CSS("#compose-"+who+" button[type=submit]")))
	b.until("what was typed, in the chat", fmt.Sprintf(`[...document.querySelectorAll("#chat-%s .msg.me")].some((m) => m.textContent === %q)`, who, text))
}

func (b *browser) press(label string) {
	b.t.Helper()
	b.tap("the button "+label, fmt.Sprintf(`(bs) => bs.find((b) => b.textContent.includes(%q))`, label))
}

// choose picks value in a select of the page, as a person does.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	eval[bool](b, "choose "+value+" in "+sel, fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		s.value = %q;
		s.dispatchEvent(new Event("change"));
		return true;
	})()`, sel, value))
}

// booking is one language's words for the booking flow.
type booking struct {
	lang, start, next, confirm, paid, booked string
}

// book books and pays from the client's chat, as on the page: the
// command, the next week twice, the first day, the first time, confirm and
// pay, the PayPal stand-in's Approve, tori's return page, and back to the
// chat, where the confirmation and its .ics are.
func (b *browser) book(w booking) {
	b.t.Helper()
	b.say("client", w.start)
	b.press(w.next)
	b.press(w.next)
	b.tap("a day", `(bs) => bs.find((b) => /\d+\/\d+/.test(b.textContent))`)
	b.tap("a time", `(bs) => bs.find((b) => /^\d\d:\d\d/.test(b.textContent))`)
	b.press(w.confirm)
	b.until("the pay button", `!!document.querySelector("#chat-client .msg.bot:last-child .keyboard a.button.url")`)
	attr, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("#chat-client .msg.bot:last-child .keyboard a.button.url"), "href"))
	if err != nil {
		b.t.Fatalf("read the pay link: %v", err)
	}
	if !strings.HasPrefix(attr.Value, b.pg.url+"/preview/paypal/checkout") {
		b.t.Fatalf("the pay button leads to %q", attr.Value)
	}
	b.run("the PayPal stand-in", chromedp.Navigate(attr.Value), chromedp.WaitVisible(chromedp.CSS("button.approve")))
	b.shot("checkout-" + w.lang + ".png")
	b.run("approve", chromedp.Click(chromedp.CSS("button.approve")), chromedp.WaitVisible(chromedp.CSS("a.button")))
	page, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(page, w.paid) {
		b.t.Fatalf("the return page says: %s (%v)", page, err)
	}
	if dir := eval[string](b, "the page's direction", `getComputedStyle(document.querySelector("main")).direction`); (dir == "rtl") != (w.lang == "he") {
		b.t.Fatalf("the %s return page is laid out %s", w.lang, dir)
	}
	b.rangeReadsInOrder("the return page", "main")
	b.shot("paid-" + w.lang + ".png")
	b.run("back to the chat", chromedp.Click(chromedp.CSS("a.button")), chromedp.WaitVisible(chromedp.CSS("#chat-client")))
	b.until("the confirmation", fmt.Sprintf(`[...document.querySelectorAll("#chat-client .msg.bot")].some((m) => m.textContent.includes(%q))`, w.booked))
	b.until("the .ics", `[...document.querySelectorAll("#chat-client a.file")].some((a) => a.textContent.endsWith(".ics") && a.getAttribute("href").startsWith("/preview/api/file"))`)
}

// confirmation is a script's expression for the client's confirmation.
func confirmation(booked string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#chat-client .msg.bot")].findLast((m) => m.textContent.includes(%q))`, booked)
}

// rangeReadsInOrder checks, as laid out on the screen, the first time
// range inside the element sel (a CSS selector or a script's expression):
// its start is left of its end, on the same line, whatever the direction
// of the text around it.
func (b *browser) rangeReadsInOrder(what, sel string) {
	b.t.Helper()
	el := sel
	if !strings.Contains(sel, "(") {
		el = fmt.Sprintf("document.querySelector(%q)", sel)
	}
	got := eval[string](b, what+": the range", fmt.Sprintf(`(() => {
		const walker = document.createTreeWalker(%s, NodeFilter.SHOW_TEXT);
		for (let n; (n = walker.nextNode()); ) {
			const m = n.textContent.match(/(\d\d:\d\d)\u2060?–\u2060?(\d\d:\d\d)/);
			if (!m) continue;
			const r = document.createRange();
			r.setStart(n, m.index);
			r.setEnd(n, m.index + 5);
			const a = r.getBoundingClientRect();
			r.setStart(n, m.index + m[0].length - 5);
			r.setEnd(n, m.index + m[0].length);
			const z = r.getBoundingClientRect();
			return JSON.stringify({start: m[1], end: m[2], startLeft: a.left, endLeft: z.left, startTop: a.top, endTop: z.top});
		}
		return "";
	})()`, el))
	var r struct {
		Start, End                           string
		StartLeft, EndLeft, StartTop, EndTop float64
	}
	if err := json.Unmarshal([]byte(got), &r); err != nil {
		b.t.Fatalf("%s: no time range (%v)", what, err)
	}
	if r.StartLeft >= r.EndLeft || math.Abs(r.StartTop-r.EndTop) > 2 {
		b.t.Fatalf("%s: %s–%s is laid out with its start at (%.0f, %.0f) and its end at (%.0f, %.0f): it reads backwards or breaks",
			what, r.Start, r.End, r.StartLeft, r.StartTop, r.EndLeft, r.EndTop)
	}
}

// TestBrowserBooking clicks through a booking on the page in headless
// Chromium, as a person would, in English and then in Hebrew: the
// booking, the PayPal stand-in, tori's return page (the session's range
// reads start to end in both) and back to the chat; in English a booking
// is then made weekly from its summary and the standing client's session
// is marked in the practice's day; in Hebrew the meeting link in the
// confirmation is a link. On a phone's screen the chats show
// one at a time, with tabs; the practice's tab opens at its latest message,
// a range is never broken at its dash and a notice never covers the message
// box. It saves screenshots in both languages in the test's artifact
// directory (go test -artifacts keeps them).
func TestBrowserBooking(t *testing.T) {
	pg := startWeekly(t)
	st := pg.state()
	noa := st.Clients[1].ID
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 150*time.Second)
	defer cancel()
	b := &browser{t: t, ctx: ctx, pg: pg, shots: map[string][]byte{}}

	b.run("open the page", chromedp.Navigate(pg.url+"/preview/"), chromedp.WaitVisible(chromedp.CSS("#chat-client .empty")))
	b.book(booking{lang: "en", start: "/start session", next: "Next week", confirm: "Confirm and pay", paid: "Paid", booked: "You're booked."})
	b.rangeReadsInOrder("the English confirmation", confirmation("You're booked."))
	b.until("the practice's notice", `document.querySelectorAll("#chat-practice .msg.bot").length > 0`)
	b.shot("chat-en.png") // before the markup below: README's picture (docs/preview.png)
	b.weekly()

	// What anyone types is shown as text, never as markup.
	hostile := `<img src=x onerror="document.title='owned'"><b>bold?</b>`
	b.run("type markup", chromedp.SendKeys(chromedp.CSS("#compose-client input"), hostile), chromedp.Click(chromedp.CSS("#compose-client button[type=submit]")))
	b.until("the markup, as text", fmt.Sprintf(`[...document.querySelectorAll("#chat-client .msg.me")].some((m) => m.textContent === %q)`, hostile))
	if n := eval[int](b, "count elements", `document.querySelectorAll(".chat img, .msg.me b").length`); n != 0 {
		t.Fatalf("typed markup became %d element(s)", n)
	}
	b.phone("en")

	// Noa, whose Telegram speaks Hebrew, books the video session; back from
	// PayPal the page shows her chat again.
	b.run("a computer's screen", chromedp.EmulateViewport(1280, 900))
	b.choose("#client", fmt.Sprint(noa))
	b.choose("#lang", "he")
	b.until("the language's notice", `document.getElementById("toast").textContent.includes("Hebrew")`)
	b.book(booking{lang: "he", start: "/start video", next: "השבוע הבא", confirm: "אישור ותשלום", paid: "שולם", booked: "התור נקבע."})
	b.rangeReadsInOrder("the Hebrew confirmation", confirmation("התור נקבע."))
	link := eval[string](b, "the meeting link", confirmation("התור נקבע.")+`.querySelector(".text a")?.href ?? ""`)
	if link != "https://meet.example.com/adi" {
		t.Fatalf("the meeting link in the confirmation is a link to %q", link)
	}
	b.shot("chat-he.png")
	b.phone("he")

	dir := t.ArtifactDir()
	for name, data := range b.shots {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", filepath.Join(dir, name), len(data))
	}
}

// weekly makes a booking weekly from its summary, as a person does: the
// talk next week, "Make it weekly", "4 sessions", "Book 4 sessions"; the
// confirmation lists the sessions and /my shows the series as one line.
// In the practice's chat, the week's day of the standing client's next
// session shows it marked "weekly, 3 of 12" (in the therapist's Hebrew).
func (b *browser) weekly() {
	b.t.Helper()
	b.say("client", "/start talk")
	b.press("Next week")
	b.tap("a day", `(bs) => bs.find((b) => /\d+\/\d+/.test(b.textContent))`)
	b.tap("a time", `(bs) => bs.find((b) => /^\d\d:\d\d/.test(b.textContent))`)
	b.press("Make it weekly")
	b.press("4 sessions")
	b.press("Book 4 sessions")
	b.until("the series' confirmation", `[...document.querySelectorAll("#chat-client .msg.bot")].some((m) => m.textContent.includes("You're booked: 4 sessions."))`)
	b.shot("weekly-en.png")
	b.say("client", "/my")
	b.until("the series in /my", `[...document.querySelectorAll("#chat-client .msg.bot")].some((m) => m.textContent.includes("sessions ahead"))`)

	next := standing[0].Rule(practice(), time.Now()).First.AddDate(0, 0, 7*standing[0].Held).In(practice().Location)
	b.say("practice", "/week")
	b.tapIn("practice", "the standing client's day", fmt.Sprintf(`(bs) => bs.find((b) => b.textContent.includes(%q))`, next.Format("2/1")))
	b.until("the standing client's session, marked", `[...document.querySelectorAll("#chat-practice .msg.bot")].some((m) => m.textContent.includes("מדי שבוע, 3 מתוך 12"))`)
	b.shot("agenda-he.png")
}

// phone looks at the page on a phone's screen (390×844, with twice the
// pixels, as a phone has): one chat at a time, with tabs; the range in the
// latest confirmation stays whole even in a column too narrow for it; a
// notice leaves the message box free; the practice's tab opens at its
// latest message.
func (b *browser) phone(lang string) {
	b.t.Helper()
	b.run("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.WaitVisible(chromedp.CSS(".tabs")))
	visible := func(sel string) bool {
		return eval[bool](b, "read the layout", fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).display !== "none"`, sel))
	}
	if !visible("#pane-client") || visible("#pane-practice") {
		b.t.Fatal("on a phone, the client's chat should show alone")
	}
	b.run("the client's tab", chromedp.Click(chromedp.CSS(`[data-tab="client"]`)))
	lines := eval[int](b, "a range in a narrow column", `(() => {
		const msgs = [...document.querySelectorAll("#chat-client .msg.bot")];
		const m = msgs.map((x) => x.textContent.match(/\d\d:\d\d\u2060?–\u2060?\d\d:\d\d/)).findLast((x) => x);
		const probe = document.createElement("div");
		probe.style.cssText = "position: absolute; width: 1px; visibility: hidden";
		probe.textContent = m[0];
		document.getElementById("chat-client").appendChild(probe);
		const r = document.createRange();
		r.selectNodeContents(probe);
		const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
		probe.remove();
		return tops.size;
	})()`)
	if lines != 1 {
		b.t.Fatalf("%s: a time range of the chat breaks over %d lines in a narrow column", lang, lines)
	}
	b.shot("phone-" + lang + ".png")
	eval[bool](b, "no notice", `document.getElementById("toast").hidden = true`)
	b.choose("#lang", lang) // says so in a notice
	b.until("the notice", `!document.getElementById("toast").hidden`)
	covers := eval[bool](b, "the notice's place", `(() => {
		const t = document.getElementById("toast"), c = document.getElementById("compose-client");
		const a = t.getBoundingClientRect(), z = c.getBoundingClientRect();
		return a.bottom > z.top && a.top < z.bottom && a.right > z.left && a.left < z.right;
	})()`)
	if covers || eval[string](b, "the notice's direction", `document.getElementById("toast").dir`) != "auto" {
		b.t.Fatalf("%s: the notice covers the message box, or its direction is not its text's: %s", lang,
			eval[string](b, "where", `JSON.stringify([document.getElementById("toast").getBoundingClientRect(), document.getElementById("compose-client").getBoundingClientRect(), document.getElementById("toast").dir])`))
	}

	// The practice's chat grows while hidden; its tab opens at the end.
	n := eval[int](b, "count", `document.querySelectorAll("#chat-practice .msg").length`)
	for range 3 {
		b.pg.say(9001, "/help")
	}
	b.until("the practice's answers, drawn while hidden", fmt.Sprintf(`document.querySelectorAll("#chat-practice .msg").length >= %d`, n+6))
	b.run("the Practice tab", chromedp.Click(chromedp.CSS(`[data-tab="practice"]`)))
	if visible("#pane-client") || !visible("#pane-practice") {
		b.t.Fatal("on a phone, the Practice tab should show the practice's chat alone")
	}
	if !eval[bool](b, "the practice's scroll", `(() => {
		const c = document.getElementById("chat-practice");
		return c.scrollHeight > c.clientHeight && c.scrollHeight - c.scrollTop - c.clientHeight < 2;
	})()`) {
		b.t.Fatalf("%s: the Practice tab did not open at its latest message", lang)
	}
	b.shot("phone-practice-" + lang + ".png")
	b.run("back to the client's tab", chromedp.Click(chromedp.CSS(`[data-tab="client"]`)))
}
