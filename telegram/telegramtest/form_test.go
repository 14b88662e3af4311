package telegramtest

import (
	"bytes"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestReadForm: the one-pass reader gives what net/http's parsers give,
// for what go-telegram/bot writes and for what it leaves to them.
func TestReadForm(t *testing.T) {
	type field struct{ name, value string }
	cases := []struct {
		name   string
		fields []field
		file   *File
	}{
		{"message", []field{{"chat_id", "101"}, {"text", "<b>בחרו יום</b>\r\n--not a boundary\r\n"}, {"reply_markup", `{"inline_keyboard":[[{"text":"Mon 30/11","callback_data":"d:adi:20261130"}]]}`}}, nil},
		{"empty value", []field{{"chat_id", "101"}, {"text", ""}}, nil},
		{"file", []field{{"chat_id", "101"}, {"caption", "Your session"}}, &File{Name: "session.ics", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}},
		{"quoted name (the standard parser's)", []field{{`we"ird`, "1"}, {"chat_id", "101"}}, nil},
		{"repeated field (the first counts)", []field{{"chat_id", "101"}, {"chat_id", "202"}}, nil},
		{"no fields", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			for _, f := range c.fields {
				_ = w.WriteField(f.name, f.value)
			}
			if c.file != nil {
				fw, _ := w.CreateFormFile("document", c.file.Name)
				_, _ = fw.Write(c.file.Data)
			}
			_ = w.Close()
			req := func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/bot"+Token+"/sendMessage", bytes.NewReader(body.Bytes()))
				r.Header.Set("Content-Type", w.FormDataContentType())
				return r
			}
			gotForm, gotFile := readForm(req())
			r := req()
			if err := r.ParseMultipartForm(10 << 20); err != nil {
				t.Fatal(err)
			}
			wantForm := map[string]string{}
			for k, v := range r.MultipartForm.Value {
				wantForm[k] = v[0]
			}
			if !maps.Equal(gotForm, wantForm) {
				t.Fatalf("form %q, want %q", gotForm, wantForm)
			}
			if (gotFile == nil) != (c.file == nil) || gotFile != nil && (gotFile.Name != c.file.Name || !bytes.Equal(gotFile.Data, c.file.Data)) {
				t.Fatalf("file %+v, want %+v", gotFile, c.file)
			}
		})
	}
	// Content types the standard parser reads otherwise than the one-pass
	// reader would: left to it.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", "101")
	_ = w.Close()
	for _, ct := range []string{
		`multipart/form-data; boundary="` + w.Boundary() + ``,
		"multipart/form-data; boundary=" + w.Boundary() + "; boundary=other",
		"multipart/form-data; boundary=" + w.Boundary() + " x",
	} {
		r := httptest.NewRequest(http.MethodPost, "/bot"+Token+"/sendMessage", bytes.NewReader(body.Bytes()))
		r.Header.Set("Content-Type", ct)
		got, _ := readForm(r)
		r = httptest.NewRequest(http.MethodPost, "/bot"+Token+"/sendMessage", bytes.NewReader(body.Bytes()))
		r.Header.Set("Content-Type", ct)
		want := map[string]string{}
		if err := r.ParseMultipartForm(10 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				want[k] = v[0]
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("Content-Type %q: form %q, net/http's %q", ct, got, want)
		}
	}
	// URL-encoded, as a hand-written client might send.
	r := httptest.NewRequest(http.MethodPost, "/bot"+Token+"/sendMessage", bytes.NewReader([]byte("chat_id=101&text=hi+there")))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if form, _ := readForm(r); form["chat_id"] != "101" || form["text"] != "hi there" {
		t.Fatalf("url-encoded form %q", form)
	}
}

// FuzzReadForm: whatever the body, readForm gives what net/http's parsers
// give (or, where they refuse it, the same nothing).
func FuzzReadForm(f *testing.F) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.SetBoundary("b0undary")
	_ = w.WriteField("chat_id", "101")
	_ = w.WriteField("text", "hello")
	_ = w.Close()
	f.Add(body.Bytes())
	f.Add([]byte("--b0undary--\r\n"))
	f.Add([]byte("--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b0undary--"))
	f.Add([]byte("--b0undary\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a/b.ics\"\r\nContent-Type: application/octet-stream\r\n\r\nBEGIN\r\n--b0undary--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/bot"+Token+"/sendMessage", bytes.NewReader(data))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b0undary")
			return r
		}
		got, gotFile := readForm(req())
		r := req()
		want := map[string]string{}
		var wantFile *File
		if err := r.ParseMultipartForm(10 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				want[k] = v[0]
			}
			if len(r.MultipartForm.File) > 1 {
				return // several files: the fake keeps one, tori sends one
			}
			for _, fhs := range r.MultipartForm.File {
				f, err := fhs[0].Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(f)
				f.Close()
				wantFile = &File{Name: fhs[0].Filename, Data: b}
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("body %q: form %q, net/http's %q", data, got, want)
		}
		if (gotFile == nil) != (wantFile == nil) || gotFile != nil && (gotFile.Name != wantFile.Name || !bytes.Equal(gotFile.Data, wantFile.Data)) {
			t.Fatalf("body %q: file %+v, net/http's %+v", data, gotFile, wantFile)
		}
	})
}
