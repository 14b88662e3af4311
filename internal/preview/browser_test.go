//go:build browser

package preview_test

import (
	"context"
	"fmt"
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

// TestBrowserBooking clicks through a booking on the page in headless
// Chromium, as a person would: /start the session from the quick buttons
// and the message box, the next week, a day, a time, "Confirm and pay",
// the PayPal stand-in's Approve, tori's return page, and back to the chat,
// where the confirmation and its .ics are; the practice's pane has the
// notice. On a phone's screen the chats show one at a time, with tabs. It
// saves screenshots of the chat, the checkout page and the phone in the
// test's artifact directory (go test -artifacts keeps them).
func TestBrowserBooking(t *testing.T) {
	pg := start(t, "")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	value := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// until evaluates a script until it returns true.
	until := func(what, script string) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("#chat-client")))
				t.Fatalf("%s: not on the page after %s; the client's chat:\n%s", what, wait, html)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// (Quality 100 makes the screenshots PNG.)
	// tap clicks a button of the client's latest message, chosen by pick
	// (a JavaScript function of the buttons, returning one or undefined),
	// and waits for the message to change, as a person waits to see what
	// the press did before pressing again.
	tap := func(what, pick string) {
		t.Helper()
		until(what, fmt.Sprintf(`(() => {
			const msgs = document.querySelectorAll("#chat-client .msg.bot");
			const last = msgs[msgs.length - 1];
			if (!last) return false;
			const b = (%s)([...last.querySelectorAll(".keyboard button")]);
			if (!b) return false;
			window.before = last.textContent;
			b.click();
			return true;
		})()`, pick))
		until(what+": its effect", `(() => {
			const msgs = document.querySelectorAll("#chat-client .msg.bot");
			return msgs[msgs.length - 1].textContent !== window.before;
		})()`)
	}
	press := func(label string) {
		t.Helper()
		tap("the button "+label, fmt.Sprintf(`(bs) => bs.find((b) => b.textContent.includes(%q))`, label))
	}

	run("open the page", chromedp.Navigate(pg.url+"/preview/"), chromedp.WaitVisible(chromedp.CSS("#chat-client .empty")))
	run("type /start session", chromedp.SendKeys(chromedp.CSS("#compose-client input"), "/start session"), chromedp.Click(chromedp.CSS("#compose-client button[type=submit]")))
	until("what was typed, in the chat", `[...document.querySelectorAll("#chat-client .msg.me")].some((m) => m.textContent === "/start session")`)
	press("Next week")
	press("Next week")
	// A day, then a time: the first of each.
	tap("a day", `(bs) => bs.find((b) => /\d+\/\d+/.test(b.textContent))`)
	tap("a time", `(bs) => bs.find((b) => /^\d\d:\d\d/.test(b.textContent))`)
	press("Confirm and pay")
	until("the pay button", `!!document.querySelector("#chat-client .keyboard a.button.url")`)
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#chat-client .keyboard a.button.url"), "href"))
	value("read the pay link", err)
	pay := attr.Value
	if !strings.HasPrefix(pay, pg.url+"/preview/paypal/checkout") {
		t.Fatalf("the pay button leads to %q", pay)
	}
	run("the PayPal stand-in", chromedp.Navigate(pay), chromedp.WaitVisible(chromedp.CSS("button.approve")))
	checkout, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	value("screenshot the checkout", err)
	run("approve", chromedp.Click(chromedp.CSS("button.approve")), chromedp.WaitVisible(chromedp.CSS("a.button")))
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	value("read the return page", err)
	if !strings.Contains(page, "Paid") {
		t.Fatalf("the return page says: %s", page)
	}
	run("back to the chat", chromedp.Click(chromedp.CSS("a.button")), chromedp.WaitVisible(chromedp.CSS("#chat-client")))
	until("the confirmation", `[...document.querySelectorAll("#chat-client .msg.bot")].some((m) => m.textContent.includes("You're booked."))`)
	until("the .ics", `[...document.querySelectorAll("#chat-client a.file")].some((a) => a.textContent.endsWith(".ics") && a.getAttribute("href").startsWith("/preview/api/file"))`)
	until("the practice's notice", `document.querySelectorAll("#chat-practice .msg.bot").length > 0`)

	// What anyone types is shown as text, never as markup.
	hostile := `<img src=x onerror="document.title='owned'"><b>bold?</b>`
	run("type markup", chromedp.SendKeys(chromedp.CSS("#compose-client input"), hostile), chromedp.Click(chromedp.CSS("#compose-client button[type=submit]")))
	until("the markup, as text", fmt.Sprintf(`[...document.querySelectorAll("#chat-client .msg.me")].some((m) => m.textContent === %q)`, hostile))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chat img, .msg.me b").length`)); err != nil || n != 0 {
		t.Fatalf("typed markup became %d element(s) (%v)", n, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	value("screenshot the chat", err)
	// On a phone's screen (390×844): one chat at a time, tabs to switch.
	run("a phone's screen", chromedp.EmulateViewport(390, 844), chromedp.WaitVisible(chromedp.CSS(".tabs")))
	visible := func(sel string) bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).display !== "none"`, sel)))
		value("read the layout", err)
		return v
	}
	if !visible("#pane-client") || visible("#pane-practice") {
		t.Fatal("on a phone, the client's chat should show alone")
	}
	phone, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	value("screenshot the phone", err)
	run("the Practice tab", chromedp.Click(chromedp.CSS(`[data-tab="practice"]`)))
	if visible("#pane-client") || !visible("#pane-practice") {
		t.Fatal("on a phone, the Practice tab should show the practice's chat alone")
	}

	dir := t.ArtifactDir()
	for name, data := range map[string][]byte{"chat.png": shot, "checkout.png": checkout, "phone.png": phone} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", filepath.Join(dir, name), len(data))
	}
}
