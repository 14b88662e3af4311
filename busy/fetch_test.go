package busy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/busy"
	"github.com/tori-bot/tori/busy/busytest"
)

// TestFetchConditional: the second fetch of an unchanged feed is a 304
// with no body (ETag, or Last-Modified alone), and a changed one is read.
func TestFetchConditional(t *testing.T) {
	srv := busytest.New(t, false)
	f := &busy.Fetcher{Client: srv.Client()}
	ctx := context.Background()

	srv.SetBody(busytest.All(busytest.Google))
	first, err := f.Fetch(ctx, srv.URL+"/body", busy.Validators{})
	if err != nil || first.Unchanged || first.Validators.ETag == "" || first.Validators.LastModified == "" {
		t.Fatalf("first fetch: %+v, %v; want a body and both validators", first.Validators, err)
	}

	for name, v := range map[string]busy.Validators{
		"ETag":          first.Validators,
		"Last-Modified": {LastModified: first.Validators.LastModified},
	} {
		again, err := f.Fetch(ctx, srv.URL+"/body", v)
		if err != nil || !again.Unchanged || again.Body != nil {
			t.Errorf("%s: unchanged=%v body=%d bytes, %v; want a 304 and no body", name, again.Unchanged, len(again.Body), err)
		}
		if again.Validators.ETag == "" {
			t.Errorf("%s: a 304 lost the ETag", name)
		}
	}

	srv.SetBody(busytest.All(busytest.Outlook))
	changed, err := f.Fetch(ctx, srv.URL+"/body", first.Validators)
	if err != nil || changed.Unchanged || changed.Validators.ETag == first.Validators.ETag {
		t.Errorf("a changed feed: unchanged=%v, %v; want it read with a new ETag", changed.Unchanged, err)
	}
	if full, not := srv.Answers("/body"); full != 2 || not != 2 {
		t.Errorf("the host answered %d bodies and %d 304s; want 2 and 2", full, not)
	}
}

// TestFetchFailures: each way an address fails is an error a therapist can
// act on (its code and words), and none is an empty calendar.
func TestFetchFailures(t *testing.T) {
	srv := busytest.New(t, false)
	f := &busy.Fetcher{Client: srv.Client(), Timeout: 2 * time.Second, MaxBytes: 1 << 20}

	for _, tc := range []struct {
		path, code, words string
	}{
		{"/500", tori.EUNAVAILABLE, "answered 500"},
		{"/404", tori.ENOTFOUND, "answered 404 (not found): check the secret address"},
		{"/403", tori.EFORBIDDEN, "answered 403"},
		{"/slow", tori.EUNAVAILABLE, "did not answer within 2s"},
		{"/huge", tori.ELIMIT, "larger than 1 MB"},
		{"/garbage", tori.EINVALID, "not a calendar"},
		{"/html", tori.EINVALID, "not its web page"},
		{"/empty", tori.EINVALID, "not a calendar"},
		{"/redirect-ftp", tori.EINVALID, "ftp://, which is not an https address"},
		{"/nothing-here", tori.ENOTFOUND, "answered 404"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			got, err := f.Fetch(context.Background(), srv.URL+tc.path, busy.Validators{})
			if err == nil {
				t.Fatalf("no error, %d bytes", len(got.Body))
			}
			if tori.ErrorCode(err) != tc.code || !strings.Contains(tori.ErrorMessage(err), tc.words) {
				t.Errorf("got %s %q; want %s with %q", tori.ErrorCode(err), tori.ErrorMessage(err), tc.code, tc.words)
			}
			if strings.Contains(tori.ErrorMessage(err), srv.URL) {
				t.Errorf("the message shows the address: %q", tori.ErrorMessage(err))
			}
		})
	}
}

// TestFetchTruncated: a body cut short passes the fetch's look but not Read.
func TestFetchTruncated(t *testing.T) {
	srv := busytest.New(t, false)
	got, err := (&busy.Fetcher{Client: srv.Client()}).Fetch(context.Background(), srv.URL+"/truncated", busy.Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := busy.Read(got.Body, windowFrom, windowTo, busy.Options{Zone: jerusalem}); tori.ErrorCode(err) != tori.EINVALID {
		t.Errorf("a truncated calendar read as %v; want EINVALID", err)
	}
}

// TestFetchRedirect: a redirect within http(s) is followed.
func TestFetchRedirect(t *testing.T) {
	srv := busytest.New(t, false)
	got, err := (&busy.Fetcher{Client: srv.Client()}).Fetch(context.Background(), srv.URL+"/redirect-ok", busy.Validators{})
	if err != nil || len(got.Body) == 0 {
		t.Errorf("got %d bytes, %v; want the feed", len(got.Body), err)
	}
}

// TestFetchWebcal: an iCloud webcal:// address is fetched as https.
func TestFetchWebcal(t *testing.T) {
	srv := busytest.New(t, true)
	webcal := "webcal://" + strings.TrimPrefix(srv.URL, "https://") + "/icloud.ics"
	got, err := (&busy.Fetcher{Client: srv.Client()}).Fetch(context.Background(), webcal, busy.Validators{})
	if err != nil || len(got.Body) == 0 {
		t.Fatalf("got %d bytes, %v; want the feed", len(got.Body), err)
	}
	if full, _ := srv.Answers("/icloud.ics"); full != 1 {
		t.Errorf("the https host answered %d times; want 1", full)
	}
}

// TestURL: only web addresses are taken; webcal is https.
func TestURL(t *testing.T) {
	for raw, want := range map[string]string{
		"webcal://p01-calendars.icloud.com/published/2/abc":                 "https://p01-calendars.icloud.com/published/2/abc",
		" https://calendar.google.com/calendar/ical/x/private-y/basic.ics ": "https://calendar.google.com/calendar/ical/x/private-y/basic.ics",
		"http://example.com/a.ics":                                          "http://example.com/a.ics",
		"file:///etc/passwd":                                                "",
		"ftp://example.com/a.ics":                                           "",
		"calendar.google.com/x":                                             "",
		"":                                                                  "",
	} {
		got, err := busy.URL(raw)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("URL(%q) = %q, %v; want %q", raw, got, err, want)
		}
		var te *tori.Error
		if err != nil && !errors.As(err, &te) {
			t.Errorf("URL(%q): %v is not a tori error", raw, err)
		}
	}
}
