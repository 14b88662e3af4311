package telegramtest

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
)

// readForm reads a Bot API request's parameters and its file, if any. It
// reads what go-telegram/bot sends (multipart/form-data with a known
// length) in one pass over the body; anything else (another encoding, a
// part it does not expect) goes through net/http's parsers, as before.
// The fake Bot API shares the cores with what it tests in tori bench, and
// ParseMultipartForm was a quarter of everything allocated there.
func readForm(r *http.Request) (map[string]string, *File) {
	boundary, ok := multipartBoundary(r.Header.Get("Content-Type"))
	if ok && r.ContentLength > 0 && r.ContentLength <= 10<<20 {
		body := make([]byte, r.ContentLength)
		n, err := io.ReadFull(r.Body, body)
		if err == nil {
			if form, file, ok := parseMultipart(body, boundary); ok {
				return form, file
			}
		}
		// Not what go-telegram/bot writes: the standard parsers decide.
		r.Body = io.NopCloser(bytes.NewReader(body[:n]))
	}

	form := map[string]string{}
	var file *File
	if err := r.ParseMultipartForm(10 << 20); err == nil {
		for k, v := range r.MultipartForm.Value {
			form[k] = v[0]
		}
		for _, fhs := range r.MultipartForm.File {
			if f, err := fhs[0].Open(); err == nil {
				data, _ := io.ReadAll(f)
				f.Close()
				file = &File{Name: fhs[0].Filename, Data: data}
			}
		}
	} else if err := r.ParseForm(); err == nil {
		for k, v := range r.Form {
			form[k] = v[0]
		}
	}
	return form, file
}

// multipartBoundary is the boundary of a multipart/form-data content type
// written as mime/multipart.Writer writes it ("multipart/form-data;
// boundary=" and 1 to 70 letters and digits); ok is false for anything else.
func multipartBoundary(ct string) (string, bool) {
	b, ok := strings.CutPrefix(ct, "multipart/form-data; boundary=")
	if !ok || len(b) == 0 || len(b) > 70 {
		return "", false
	}
	for i := 0; i < len(b); i++ {
		if c := b[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", false
		}
	}
	return b, true
}

// parseMultipart splits a multipart/form-data body into its fields and its
// one file. ok is false for anything it is not sure of.
func parseMultipart(body []byte, boundary string) (form map[string]string, file *File, ok bool) {
	delim := []byte("\r\n--" + boundary)
	rest, found := bytes.CutPrefix(body, delim[2:])
	if !found {
		return nil, nil, false
	}
	form = map[string]string{}
	for {
		if string(rest) == "--\r\n" || string(rest) == "--" { // the closing delimiter, last
			return form, file, true
		}

		// A part: its headers, a blank line, its content up to the next delimiter.
		rest, found = bytes.CutPrefix(rest, []byte("\r\n"))
		if !found {
			return nil, nil, false
		}
		head, after, found := bytes.Cut(rest, []byte("\r\n\r\n"))
		if !found {
			return nil, nil, false
		}
		content, next, found := bytes.Cut(after, delim)
		if !found {
			return nil, nil, false
		}

		name, filename, ok := disposition(head)
		if !ok {
			return nil, nil, false
		}
		if filename != "" {
			file = &File{Name: filepath.Base(filename), Data: bytes.Clone(content)}
		} else if _, dup := form[name]; !dup {
			form[name] = string(content)
		}
		rest = next
	}
}

// disposition reads a part's headers: its field name and file name. Only
// what mime/multipart.Writer writes is taken: a Content-Disposition of
// form-data with plain quoted values, and for a file a Content-Type.
func disposition(head []byte) (name, filename string, ok bool) {
	lines := strings.Split(string(head), "\r\n")
	if len(lines) == 2 && strings.HasPrefix(lines[1], "Content-Type: ") && plain(lines[1]) {
		lines = lines[:1]
	}
	rest, found := strings.CutPrefix(lines[0], `Content-Disposition: form-data; name="`)
	if len(lines) != 1 || !found {
		return "", "", false
	}

	name, rest, found = strings.Cut(rest, `"`)
	if !found || name == "" || !plain(name) {
		return "", "", false
	}
	if rest == "" {
		return name, "", true
	}

	filename, found = strings.CutPrefix(rest, `; filename="`)
	filename, found2 := strings.CutSuffix(filename, `"`)
	if !found || !found2 || filename == "" || !plain(filename) {
		return "", "", false
	}
	return name, filename, true
}

// plain: printable ASCII without quotes or backslashes (what needs no
// escaping or decoding).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
