package busy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// Fetcher reads ICS addresses: http(s) only, with a time and a size limit,
// conditional requests, and no redirect to another scheme.
type Fetcher struct {
	Client   *http.Client  // nil: http.DefaultTransport
	Timeout  time.Duration // per fetch, body included; default 20 s
	MaxBytes int64         // the largest body read; default 10 MiB
	// Passwords are the CalDAV passwords by the name of their environment
	// variable (password_env), read once at start; never logged.
	Passwords map[string]string
}

// Defaults of a Fetcher.
const (
	DefaultTimeout  = 20 * time.Second
	DefaultMaxBytes = 10 << 20
)

// Validators are what a source said of its last good body (ETag,
// Last-Modified), sent back to ask "has it changed?".
type Validators struct {
	ETag         string
	LastModified string
}

// Fetched is one fetch's answer: the body, or Unchanged (a 304, nothing to
// parse), and the validators to send next time.
type Fetched struct {
	Unchanged  bool
	Body       []byte
	Validators Validators
}

// URL checks an address a therapist gave and returns the one to fetch:
// webcal:// (iCloud's, Outlook's) is read as https://; any scheme but
// http(s) is refused.
func URL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err == nil && u.Scheme != "" {
		switch strings.ToLower(u.Scheme) {
		case "webcal", "webcals":
			u.Scheme = "https"
		case "http", "https":
		default:
			return "", tori.Errorf(tori.EINVALID, "the calendar's address starts with %s://: use its https:// (or webcal://) address", u.Scheme)
		}
	}
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "", tori.Errorf(tori.EINVALID, "the calendar's address is not a web address: paste the whole address, starting with https://")
	}
	return u.String(), nil
}

// Fetch reads raw (see URL) with prev's validators; every error is a tori
// error whose message a therapist can act on.
func (f *Fetcher) Fetch(ctx context.Context, raw string, prev Validators) (Fetched, error) {
	addr, err := URL(raw)
	if err != nil {
		return Fetched{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return Fetched{}, tori.WrapError(tori.EINVALID, err, "the calendar's address cannot be read: paste it again")
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}

	resp, err := f.client().Do(req)
	if err != nil {
		return Fetched{}, f.transportError(err)
	}
	defer resp.Body.Close()

	next := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		return Fetched{Unchanged: true, Validators: merged(next, prev)}, nil
	}
	if err := statusError(resp.StatusCode); err != nil {
		return Fetched{}, err
	}

	body, err := f.read(resp)
	if err != nil {
		return Fetched{}, err
	}
	return Fetched{Body: body, Validators: next}, nil
}

// merged keeps prev's validators that a 304 did not repeat.
func merged(next, prev Validators) Validators {
	if next.ETag == "" {
		next.ETag = prev.ETag
	}
	if next.LastModified == "" {
		next.LastModified = prev.LastModified
	}
	return next
}

// read reads the body up to the size limit and checks it is a calendar.
func (f *Fetcher) read(resp *http.Response) ([]byte, error) {
	max := f.maxBytes()
	if resp.ContentLength > max {
		return nil, tooBig(max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, f.transportError(err)
	}
	if int64(len(body)) > max {
		return nil, tooBig(max)
	}
	if !bytes.Contains(bytes.ToUpper(body[:min(len(body), 4096)]), []byte("BEGIN:VCALENDAR")) {
		return nil, tori.Errorf(tori.EINVALID, "the address sent something that is not a calendar (no BEGIN:VCALENDAR): check that it is the calendar's ICS address, not its web page")
	}
	return body, nil
}

func tooBig(max int64) error {
	return tori.Errorf(tori.ELIMIT, "the calendar is larger than %d MB: use a calendar with fewer events, or ask for this limit to be raised", max>>20)
}

// statusError says what an HTTP status other than 200 and 304 means.
func statusError(code int) error {
	switch {
	case code == http.StatusOK:
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		return tori.Errorf(tori.ENOTFOUND, "the address answered %d (not found): check the secret address, or paste the new one if it was reset", code)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return tori.Errorf(tori.EFORBIDDEN, "the address answered %d (refused): the calendar may no longer be shared, or its secret address was reset; paste the new one", code)
	case code == http.StatusTooManyRequests || code >= 500:
		return tori.Errorf(tori.EUNAVAILABLE, "the calendar's server answered %d (a fault on its side): tori will try again", code)
	}
	return tori.Errorf(tori.EINVALID, "the address answered %d instead of a calendar: check the address", code)
}

// transportError says why the address did not answer.
func (f *Fetcher) transportError(err error) error {
	var redirect *redirectError
	switch {
	case errors.As(err, &redirect):
		return tori.WrapError(tori.EINVALID, err, "the address sent tori on to %s, which is not an https address: use the calendar's own address", redirect.scheme)
	case errors.Is(err, context.DeadlineExceeded):
		return tori.WrapError(tori.EUNAVAILABLE, err, "the address did not answer within %s: tori will try again", f.timeout())
	}
	return tori.WrapError(tori.EUNAVAILABLE, err, "the address could not be reached (%s): check it; tori will try again", plainCause(err))
}

// plainCause is a transport error without the URL (which holds the secret).
func plainCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// redirectError is a redirect refused: to another scheme, or one too many.
type redirectError struct{ scheme string }

func (e *redirectError) Error() string { return "busy: redirect to " + e.scheme + " refused" }

func (f *Fetcher) client() *http.Client {
	c := http.Client{Transport: http.DefaultTransport}
	if f.Client != nil {
		c = *f.Client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return &redirectError{scheme: "a fifth redirect"}
		}
		s := req.URL.Scheme
		if s != "https" && (s != "http" || via[0].URL.Scheme == "https") {
			return &redirectError{scheme: s + "://"}
		}
		return nil
	}
	return &c
}

func (f *Fetcher) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return DefaultTimeout
}

func (f *Fetcher) maxBytes() int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultMaxBytes
}
