package bidi_test

import (
	"slices"
	"testing"

	"github.com/tori-bot/tori/internal/bidi"
)

func TestIsolates(t *testing.T) {
	r := bidi.Range("09:00", "09:50")
	if r != "09:00\u2060–\u206009:50" {
		t.Fatalf("Range = %q", r)
	}
	if got := bidi.LTR(r); got != "\u206609:00\u2060–\u206009:50\u2069" || bidi.LTR(got) != got {
		t.Fatalf("LTR = %q, twice %q", got, bidi.LTR(got))
	}
	if bidi.LTR("") != "" || bidi.Auto("") != "" || bidi.Auto("Adi") != "\u2068Adi\u2069" {
		t.Fatal("an empty run is left alone; a name is isolated by its first letter")
	}
	if bidi.AutoIn("he", "Adi") != "\u2068Adi\u2069" || bidi.AutoIn("en", "Adi") != "Adi" {
		t.Fatal("AutoIn isolates in a right-to-left language only")
	}
	if bidi.Dir("he") != "rtl" || bidi.Dir("en") != "ltr" || bidi.Dir("") != "ltr" {
		t.Fatal("Dir")
	}
}

func TestBare(t *testing.T) {
	for _, c := range []struct {
		in   string
		bare []string
	}{
		{"פגישה, 09:00–09:50", []string{"09:00–09:50"}},
		{"פגישה, " + bidi.LTR(bidi.Range("09:00", "09:50")), nil},
		{"שולם: 350.50\u00a0₪.", []string{"350.50\u00a0₪"}},
		{"שולם: " + bidi.LTR("350.50\u00a0₪") + ".", nil},
		{bidi.Auto("יום ב׳, 1 בדצמבר 2026, "+bidi.LTR("10:00")) + " ו־25/11", []string{"25/11"}},
		{"עד 14:30, ואז 3 ימים", []string{"14:30", "3"}},
		{"ללא מספרים", nil},
	} {
		if got := bidi.Bare(c.in); !slices.Equal(got, c.bare) {
			t.Errorf("Bare(%q) = %q, want %q", c.in, got, c.bare)
		}
	}
}
