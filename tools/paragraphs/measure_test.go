package main

import (
	"strings"
	"testing"
)

const sample = `// Package p is an example.
package p

// A loose block: it documents nothing.

// Doc is attached.
func f() string {
	a := 1

	// A comment line is a body line, not a blank one.
	b := ` + "`" + `x

y` + "`" + `
	return b + string(rune(a))
}

func g() {}

var (
	// x is attached.
	x = 1

	// a floating paragraph inside a block
)
`

func TestMeasure(t *testing.T) {
	c, findings, err := Measure("p.go", []byte(sample), 6)
	if err != nil {
		t.Fatal(err)
	}

	// f's body is 7 lines, one of them blank (the one in the string is not);
	// g has no body lines; f is long (6+) but has a blank line.
	want := Count{Funcs: 2, Body: 7, Blank: 1, Long: 1, Flat: 0, Loose: 2}
	if c != want {
		t.Errorf("Measure = %+v, want %+v", c, want)
	}
	if len(findings) != 2 || !strings.HasPrefix(findings[0], "p.go:4 ") || !strings.HasPrefix(findings[1], "p.go:23 ") {
		t.Errorf("findings = %q, want the loose blocks at lines 4 and 23", findings)
	}
}

func TestMeasureFlat(t *testing.T) {
	src := "package p\n\nfunc h() {\n\ta := 1\n\t_ = a\n}\n"
	c, findings, err := Measure("p.go", []byte(src), 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Long != 1 || c.Flat != 1 || len(findings) != 1 || !strings.Contains(findings[0], "h: 2 lines without a blank one") {
		t.Errorf("Measure = %+v, %q; want h long and flat", c, findings)
	}
}

func TestReportFloor(t *testing.T) {
	pkgs := []Package{
		{Path: "dense", Count: Count{Body: 300, Blank: 40}},
		{Path: "sparse", Count: Count{Body: 300, Blank: 3}},
		{Path: "small", Count: Count{Body: 50}},
		{Path: "skipped", Count: Count{Body: 300}},
		{Path: "tree", Count: Count{Body: 300}},
		{Path: "tree/sub", Count: Count{Body: 300}},
		{Path: "treetop", Count: Count{Body: 300}},
	}
	var out strings.Builder
	under := report(&out, pkgs, 8, 200, []string{"skipped", "tree/..."})
	if len(under) != 2 || under[0] != "sparse" || under[1] != "treetop" {
		t.Errorf("under the floor: %q, want sparse and treetop", under)
	}
	if !strings.Contains(out.String(), "all ") {
		t.Errorf("report has no total line:\n%s", out.String())
	}
}
