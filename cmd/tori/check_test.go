package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check runs tori check on a tori.yaml of text (or at path, when text is
// nil) and returns what it said and its error.
func check(t *testing.T, text *string, path string) (string, error) {
	t.Helper()
	if text != nil {
		path = filepath.Join(t.TempDir(), "tori.yaml")
		if err := os.WriteFile(path, []byte(*text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := &syncBuffer{}
	err := run(context.Background(), []string{"check"}, func(k string) string { return map[string]string{"TORI_CONFIG": path}[k] }, out)
	return out.String(), err
}

func exampleText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../tori.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCheckWarnsOfPlaceholders: tori check says what is left of the
// example (its name, its Telegram ids, example.com addresses) and still
// passes; a practice of its own gets no warning.
func TestCheckWarnsOfPlaceholders(t *testing.T) {
	ex := exampleText(t)
	out, err := check(t, &ex, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"is valid: Adi Levi Psychotherapy",
		"warning: practice.name is still the example's",
		"warning: therapists[0].telegram_ids has 111111111, the example's id: put the person's own numeric Telegram id (ask @userinfobot)",
		"warning: practice.contact has an example.com address",
		"warning: services[1].meeting_link has an example.com address",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tori check lacks %q:\n%s", want, out)
		}
	}
	own := strings.NewReplacer("Adi Levi Psychotherapy", "Noa Bar Therapy", "[111111111]", "[424242424]",
		"office@example.com", "office@noabar.co.il", "meet.example.com", "meet.jit.si", "staff: []", "staff: [111111111]").Replace(ex)
	out, err = check(t, &own, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "warning:") != 1 || !strings.Contains(out, "warning: practice.staff has 111111111, the example's id") {
		t.Fatalf("a practice of its own, with the example's id as staff:\n%s", out)
	}
}

// TestCheckRefuses: a currency that is not ISO 4217, an empty file and a
// directory (what Docker mounts in place of a missing tori.yaml) each get
// one line saying what to do.
func TestCheckRefuses(t *testing.T) {
	ex := exampleText(t)
	nis := strings.Replace(ex, "currency: ILS", "currency: NIS", 1)
	empty, comments := "", "# nothing yet\n\n"
	dir := filepath.Join(t.TempDir(), "tori.yaml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text *string
		path string
		want string
	}{
		{"NIS", &nis, "", `services[0].currency: currency "NIS" is not an ISO 4217 code: write ILS`},
		{"Empty", &empty, "", "tori.yaml is empty: copy tori.example.yaml to "},
		{"OnlyComments", &comments, "", "tori.yaml is empty: copy tori.example.yaml to "},
		{"Directory", nil, dir, dir + " is a directory, not the practice file: Docker makes one when the tori.yaml it mounts is missing; remove that directory, copy tori.example.yaml to tori.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := check(t, tt.text, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "EOF") {
				t.Fatalf("error = %v, want one line containing %q", err, tt.want)
			}
		})
	}
}
