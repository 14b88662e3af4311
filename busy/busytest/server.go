// Package busytest is a fake calendar host for tests: it serves feeds
// shaped like Google's, Outlook's and iCloud's exports (every case busy
// must read, see Cases), with ETag and Last-Modified, and the ways a
// real address fails: a 500, a timeout, a huge body, garbage.
package busytest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// LastModified is the Last-Modified of every feed.
var LastModified = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// Server is the fake host. Paths:
//
//	/google.ics /outlook.ics /icloud.ics   every case of the provider
//	/case/<name>.ics                      one case in its provider's calendar
//	/body                                 what SetBody last set (200, ETag of its content)
//	/500 /404 /403                        that status
//	/slow                                 answers only when the client gives up
//	/huge                                 a calendar larger than any limit
//	/garbage /empty /truncated /html      bodies that are not a whole calendar
//	/redirect-ftp /redirect-ok            a redirect to ftp://, and to /google.ics
type Server struct {
	*httptest.Server

	mu   sync.Mutex
	full map[string]int // 200 answers per path
	not  map[string]int // 304 answers per path
	body []byte
}

// New starts a fake host (TLS when tls is set: a webcal:// address is
// fetched as https) and stops it when tb ends.
func New(tb testing.TB, tls bool) *Server {
	tb.Helper()
	s := &Server{full: map[string]int{}, not: map[string]int{}}
	if tls {
		s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	} else {
		s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	}
	tb.Cleanup(s.Close)
	return s
}

// SetBody sets what /body serves.
func (s *Server) SetBody(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = b
}

// Answers are how many 200 and 304 answers path got.
func (s *Server) Answers(path string) (full, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full[path], s.not[path]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/500", p == "/404", p == "/403":
		code := map[string]int{"/500": 500, "/404": 404, "/403": 403}[p]
		http.Error(w, http.StatusText(code), code)
	case p == "/slow":
		<-r.Context().Done() // the client's timeout ends it; no sleep
	case p == "/huge":
		huge(w)
	case p == "/redirect-ftp":
		http.Redirect(w, r, "ftp://calendar.example.com/feed.ics", http.StatusFound)
	case p == "/redirect-ok":
		http.Redirect(w, r, "/google.ics", http.StatusMovedPermanently)
	default:
		body, ok := s.feed(p)
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.conditional(w, r, body)
	}
}

// feed is the body of a calendar path.
func (s *Server) feed(p string) ([]byte, bool) {
	switch p {
	case "/google.ics":
		return All(Google), true
	case "/outlook.ics":
		return All(Outlook), true
	case "/icloud.ics":
		return All(ICloud), true
	case "/body":
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.body, true
	case "/garbage":
		return []byte("\x00\x01PK\x03\x04 not a calendar at all"), true
	case "/html":
		return []byte("<!DOCTYPE html><html><body>Sign in to see this calendar</body></html>"), true
	case "/empty":
		return nil, true
	case "/truncated":
		full := All(Google)
		return full[:len(full)/2], true
	}
	if name, ok := strings.CutPrefix(p, "/case/"); ok {
		c, ok := Cases[strings.TrimSuffix(name, ".ics")]
		if ok {
			return Feed(c.Provider, c.Name), true
		}
	}
	return nil, false
}

// conditional answers 304 when the client's ETag or date matches, else the body.
func (s *Server) conditional(w http.ResponseWriter, r *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", LastModified.Format(http.TimeFormat))

	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	since, err := http.ParseTime(ims)
	if inm == etag || inm == "" && err == nil && !LastModified.After(since) {
		s.count(s.not, r.URL.Path)
		w.WriteHeader(http.StatusNotModified)
		return
	}

	s.count(s.full, r.URL.Path)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Write(body)
}

func (s *Server) count(m map[string]int, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m[path]++
}

// huge streams a calendar of 64 MiB without a Content-Length.
func huge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/calendar")
	w.Write([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
	line := []byte("X-PADDING:" + strings.Repeat("x", 1000) + "\r\n")
	for i := 0; i < 64<<10; i++ {
		if _, err := w.Write(line); err != nil {
			return // the client stopped reading
		}
	}
}
