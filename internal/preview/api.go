package preview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// apiError is a refusal the page shows as it is.
type apiError struct {
	status int
	msg    string
}

func (e apiError) Error() string { return e.msg }

func bad(format string, args ...any) error {
	return apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// serveJSON runs h for requests of the given method and writes its
// answer, or its refusal, as JSON ({"error": "…"}).
func serveJSON(method string, h func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		var out any
		var err error
		switch {
		case r.Method != method && method == http.MethodGet:
			err = apiError{status: http.StatusMethodNotAllowed, msg: "use GET for this call"}
		case r.Method != method:
			err = apiError{status: http.StatusMethodNotAllowed, msg: "use POST with a JSON body for this call"}
		default:
			out, err = h(r)
		}
		writeJSON(w, out, err)
	}
}

func writeJSON(w http.ResponseWriter, out any, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		status := http.StatusInternalServerError
		var ae apiError
		if errors.As(err, &ae) {
			status = ae.status
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}

	_ = json.NewEncoder(w).Encode(out)
}

// apiUnknown answers a call the API does not have.
func apiUnknown(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, nil, apiError{status: http.StatusNotFound, msg: "no such call: the preview's API has GET state, GET chat?id=&since=, GET file?id=&message=, and POST send, press, language and clock"})
}

// decode reads a JSON request body into v. It must be sent as
// application/json (so another site's page cannot send it without the
// browser asking first), hold only v's fields, and nothing after them.
func decode(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return apiError{status: http.StatusUnsupportedMediaType, msg: "send the body as JSON, with Content-Type: application/json"}
	}

	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}

	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apiError{status: http.StatusRequestEntityTooLarge, msg: "the request is larger than 64 KB: send less"}
	case err != nil:
		return bad("the request is not the JSON this call takes (%v): send it as the page does", err)
	}
	return nil
}

// who returns the person with this Telegram id.
func (p *Preview) who(id int64) (*person, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.people[id]
	if !ok {
		return nil, apiError{status: http.StatusNotFound, msg: fmt.Sprintf("no such person in this preview: %d; choose one from the page's lists", id)}
	}
	c := *u
	return &c, nil
}

func (p *Preview) apiState(r *http.Request) (any, error) { return p.state(), nil }

// apiChat returns a chat once its version differs from since (at once if
// it already does, else when it changes, or after 10 seconds as it is).
func (p *Preview) apiChat(r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		return nil, bad("id must be the Telegram id of a person on the page")
	}
	if _, err := p.who(id); err != nil {
		return nil, err
	}

	since := r.URL.Query().Get("since")
	typed := func() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.said[id]) }
	changed := func(ms []telegramtest.Message) bool { return since == "" || version(ms, typed()) != since }

	// Waited out in short stretches, so that text typed meanwhile, a page
	// that went away or the preview stopping ends the wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := p.tg.Wait(id, 500*time.Millisecond, changed)
		if err == nil || time.Now().After(deadline) || r.Context().Err() != nil || p.closed() {
			return p.chat(id, ms), nil
		}
	}
}

func (p *Preview) closed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

type sendRequest struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

func (p *Preview) apiSend(r *http.Request) (any, error) {
	var req sendRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	u, err := p.who(req.ID)
	if err != nil {
		return nil, err
	}

	text := strings.TrimSpace(req.Text)
	switch {
	case text == "":
		return nil, bad("the message is empty: type something, or press a button")
	case utf8.RuneCountInString(text) > 4096:
		return nil, bad("the message is longer than Telegram's 4,096 characters: shorten it")
	}

	after := 0
	if ms := p.tg.Messages(req.ID); len(ms) > 0 {
		after = ms[len(ms)-1].ID
	}

	p.mu.Lock()
	p.said[req.ID] = append(p.said[req.ID], said{After: after, Text: text})
	p.mu.Unlock()
	p.tg.SendText(u.User, text)
	return map[string]bool{"ok": true}, nil
}

type pressRequest struct {
	ID      int64  `json:"id"`
	Message int    `json:"message"`
	Data    string `json:"data"`
}

// apiPress presses a button of one of the bot's messages in the person's
// chat, and returns what the bot answered to the press (Telegram shows it
// as a small notice), if anything.
func (p *Preview) apiPress(r *http.Request) (any, error) {
	var req pressRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	u, err := p.who(req.ID)
	if err != nil {
		return nil, err
	}

	// Only a button the message shows can be pressed, as in Telegram.
	found := false
	for _, m := range p.tg.Messages(req.ID) {
		if m.ID != req.Message {
			continue
		}
		for _, row := range m.Keyboard {
			for _, b := range row {
				found = found || (b.CallbackData != "" && b.CallbackData == req.Data)
			}
		}
	}
	if !found {
		return nil, bad("that button is not on that message any more: press one that is on the page")
	}

	qid := p.tg.PressData(u.User, req.Message, req.Data)
	notice, _ := p.tg.WaitAnswered(qid, 10*time.Second)
	return map[string]string{"notice": notice}, nil
}

type languageRequest struct {
	ID   int64  `json:"id"`
	Lang string `json:"lang"`
}

// apiLanguage sets the language Telegram reports for a client (the
// language of their Telegram app).
func (p *Preview) apiLanguage(r *http.Request) (any, error) {
	var req languageRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.Lang != "en" && req.Lang != "he" {
		return nil, bad("language %q: choose en (English) or he (Hebrew)", req.Lang)
	}
	if _, err := p.who(req.ID); err != nil {
		return nil, err
	}

	p.mu.Lock()
	p.people[req.ID].User.LanguageCode = req.Lang
	p.mu.Unlock()
	return p.state(), nil
}

type clockRequest struct {
	Advance string `json:"advance"`
}

// apiClock moves the clock forward a quarter of an hour at a time,
// running every job of the worker once at each step, as its ticks would
// over that time: reminders come at their offsets, holds end, offers go
// out and the agenda is sent in its morning window, before the page looks.
func (p *Preview) apiClock(r *http.Request) (any, error) {
	var req clockRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}

	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < time.Minute || d > 7*24*time.Hour {
		return nil, bad("advance %q: give a duration from 1m to 168h, such as 15m, 1h or 24h (the clock only goes forward)", req.Advance)
	}

	// Not on the request's context: a page closed meanwhile must not cut a
	// job off in the middle of an item.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Minute)
	defer cancel()

	// One clock move at a time, each step running every job once.
	p.clockMu.Lock()
	defer p.clockMu.Unlock()
	for d > 0 && !p.closed() {
		step := min(d, 15*time.Minute)
		p.clock.Advance(step)
		d -= step
		if _, err := p.worker.RunOnce(ctx); err != nil {
			p.log.Warn("preview: a worker job failed after the clock moved; its next tick tries again", "err", err)
		}
	}
	return p.state(), nil
}

// apiFile serves a document the bot sent, as a download.
func (p *Preview) apiFile(w http.ResponseWriter, r *http.Request) {
	id, err1 := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	msg, err2 := strconv.Atoi(r.URL.Query().Get("message"))
	if err1 != nil || err2 != nil {
		http.Error(w, "id and message must be numbers: use the link on the page", http.StatusBadRequest)
		return
	}
	if _, err := p.who(id); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}

	for _, m := range p.tg.Messages(id) {
		if m.ID == msg && m.File != nil {
			ct := "application/octet-stream"
			if strings.HasSuffix(m.File.Name, ".ics") {
				ct = "text/calendar; charset=utf-8"
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.File.Name}))
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_, _ = w.Write(m.File.Data)
			return
		}
	}
	http.Error(w, "no file on that message: use the link on the page", http.StatusNotFound)
}
