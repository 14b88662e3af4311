package telegram

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// transport is what carries the Bot API calls: http.DefaultTransport's
// settings with up to 100 idle connections kept to the Bot API, and each
// request body read whole before it is sent. base, when not nil, is used
// instead of a new http.Transport (tests count what reaches the wire).
//
// go-telegram/bot writes every request's multipart form into an io.Pipe,
// so net/http does not know its length, sends it chunked and flushes each
// chunk: a sendMessage left in a dozen or more small writes (as many TCP
// segments, and TLS records to api.telegram.org) instead of one. With the
// length known it leaves in one or two.
//
// No request waits longer than limit (the long poll's wait and some), or
// its own context's deadline if that is sooner: that is the client's
// timeout. http.Client's own Timeout would do it with a goroutine and a
// timer per request, and the hand-over to that goroutine and back when the
// answer is read was a tenth of the time goroutines spent waiting for a
// core under load (go tool trace, tori bench -trace); a context deadline
// needs neither (and no timer at all when the request's own deadline is
// the sooner).
func transport(base http.RoundTripper, limit time.Duration) http.RoundTripper {
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 100, 100
		base = tr
	}
	return &wholeBody{base: base, limit: limit}
}

// wholeBody reads a request body of unknown length into memory and sends
// it with its Content-Length. Bot API requests are small: a message is at
// most 4,096 characters, and the only files tori sends are .ics files.
type wholeBody struct {
	base  http.RoundTripper
	limit time.Duration // the longest any request may take (0: no limit)
}

func (w *wholeBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if w.limit > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), w.limit)
		resp, err := w.send(r.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, err
		}
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	return w.send(r)
}

func (w *wholeBody) send(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > 0 {
		return w.base.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	// A shallow copy (the request itself is not changed): its header and
	// URL are only read.
	out := new(http.Request)
	*out = *r
	out.ContentLength = int64(len(body))
	out.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		out.Body = http.NoBody // a length of 0 with a body means "unknown"
	}
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return w.base.RoundTrip(out)
}

// cancelOnClose ends a request's own deadline when its answer is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
