package preview

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

//go:embed web
var site embed.FS

// checkoutPath is the PayPal stand-in's checkout page.
const checkoutPath = "/preview/paypal/checkout"

// routes serves the page and its API, all JSON: who can be played
// (state), a chat's messages (long-polled), sending text, pressing a
// button, the language of a client, the clock, and a sent document's
// file; and beside them the PayPal stand-in's checkout and tori's own
// pages.
func (p *Preview) routes() http.Handler {
	mux := http.NewServeMux()
	files, _ := fs.Sub(site, "web")
	static := http.StripPrefix("/preview/", http.FileServerFS(files))
	mux.Handle("/preview/", noStore(static))
	mux.Handle("GET /preview", http.RedirectHandler("/preview/", http.StatusFound))
	mux.Handle("GET /{$}", http.RedirectHandler("/preview/", http.StatusFound))

	// The page's API.
	mux.Handle("/preview/api/state", serveJSON(http.MethodGet, p.apiState))
	mux.Handle("/preview/api/chat", serveJSON(http.MethodGet, p.apiChat))
	mux.Handle("/preview/api/send", serveJSON(http.MethodPost, p.apiSend))
	mux.Handle("/preview/api/press", serveJSON(http.MethodPost, p.apiPress))
	mux.Handle("/preview/api/language", serveJSON(http.MethodPost, p.apiLanguage))
	mux.Handle("/preview/api/clock", serveJSON(http.MethodPost, p.apiClock))
	mux.HandleFunc("GET /preview/api/file", p.apiFile)
	mux.HandleFunc("/preview/api/", apiUnknown)

	// The PayPal stand-in's checkout, and tori's own pages.
	mux.HandleFunc("GET "+checkoutPath, p.checkout)
	mux.HandleFunc("POST "+checkoutPath, p.checkoutDone)
	mux.Handle("/paypal/", backToPreview(p.pages))
	mux.Handle("/calendar/", p.feed)

	// Not healthy, not ready: whatever watches a live tori must not take
	// the preview (a token that did not reach the process) for it.
	notLive := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this is tori's local preview, not the live bot: set TELEGRAM_BOT_TOKEN to go live", http.StatusServiceUnavailable)
	}
	mux.HandleFunc("/healthz", notLive)
	mux.HandleFunc("/readyz", notLive)
	return mux
}

func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// backToPreview serves tori's payment pages with their "back to Telegram"
// link (to the stand-in bot, which does not exist) leading back to the
// preview's chat instead.
func backToPreview(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &buffered{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.body.Bytes(), []byte("https://t.me/"+telegramtest.BotUsername), []byte("/preview/"))

		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

type buffered struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffered) Header() http.Header         { return b.header }
func (b *buffered) WriteHeader(status int)      { b.status = status }
func (b *buffered) Write(p []byte) (int, error) { return b.body.Write(p) }

var checkoutPage = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PayPal (simulated) — {{.Amount}}</title>
<link rel="stylesheet" href="/preview/style.css">
</head><body class="checkout">
<main class="paypal">
<p class="simulation">A simulation of PayPal's checkout, for the preview: no account, no money moves.</p>
<h1>Pay {{.Amount}}</h1>
<p>to {{.Practice}}</p>
<form method="post" action="` + checkoutPath + `">
<input type="hidden" name="token" value="{{.Order}}">
<button name="action" value="approve" class="approve">Approve</button>
<button name="action" value="cancel" class="cancel">Cancel</button>
</form>
<p class="small">Order {{.Order}}. Approving sends you back to the practice's page, as PayPal does; tori then takes the payment.</p>
</main></body></html>`))

// noOrder answers a checkout for an order the stand-in does not have.
const noOrder = "There is no such PayPal order in this preview: start the payment again from the chat."

// checkout is the PayPal stand-in's page: the amount, Approve and Cancel.
func (p *Preview) checkout(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("token")
	o, ok := p.pp.Order(id)
	if !ok {
		http.Error(w, noOrder, http.StatusNotFound)
		return
	}

	amount := o.Value + " " + o.Currency
	if m, err := tori.ParseAmount(o.Value, o.Currency); err == nil {
		amount = m.Format("en")
	}

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = checkoutPage.Execute(w, map[string]string{"Amount": amount, "Practice": p.practice.Name, "Order": o.ID})
}

// checkoutDone approves the order (PayPal then notifies tori by webhook)
// or not, and sends the buyer back to tori's return or cancel page.
func (p *Preview) checkoutDone(w http.ResponseWriter, r *http.Request) {
	// No Origin is an older browser's or a test's form; "null" is a page
	// without an origin of its own (a sandboxed frame), never ours.
	if o := r.Header.Get("Origin"); o != "" && !p.sameOrigin(o) {
		http.Error(w, "Approve on the preview's own checkout page: start the payment again from the chat.", http.StatusForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form did not arrive whole: go back and press Approve or Cancel again.", http.StatusBadRequest)
		return
	}

	id := r.PostForm.Get("token")
	approve := r.PostForm.Get("action") == "approve"
	if approve {
		if err := p.pp.Approve(id); err != nil {
			http.Error(w, noOrder, http.StatusNotFound)
			return
		}
	}

	back, err := p.pp.Back(id, approve)
	if err != nil {
		http.Error(w, noOrder, http.StatusNotFound)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
