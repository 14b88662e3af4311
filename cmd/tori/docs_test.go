package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The repository's root, from this package's directory.
const repoRoot = "../.."

// docFiles are README.md and every page under docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md (%v)", err)
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, pages...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// prose is a Markdown file's text outside fenced and indented code blocks
// and inline code, line by line: where a link is a link.
func prose(md string) []string {
	var out []string
	fenced, code, blank := false, false, true
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		// An indented line opens a code block after a blank line, and
		// continues one.
		code = strings.HasPrefix(line, "    ") && (blank || code)
		blank = strings.TrimSpace(line) == ""
		if fenced || code {
			continue
		}
		out = append(out, inlineCode.ReplaceAllString(line, ""))
	}
	return out
}

var (
	inlineCode = regexp.MustCompile("`[^`]*`")
	mdLink     = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	heading    = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
)

// anchors are the ids GitHub gives a page's headings: lower case, spaces
// as hyphens, punctuation dropped; a repeated one gets -1, -2 ….
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		m := heading.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		id := b.String()
		if n := seen[id]; n > 0 {
			out[id+"-"+strconv.Itoa(n)] = true
		} else {
			out[id] = true
		}
		seen[id]++
	}
	return out
}

// TestDocLinks: every relative link in README.md and docs/ leads to a file
// that exists and, with a #fragment into a Markdown page, to one of its
// headings. Pages move and headings are renamed; a link must not be left
// pointing at nothing.
func TestDocLinks(t *testing.T) {
	for _, file := range docFiles(t) {
		md := readFile(t, file)
		for _, line := range prose(md) {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, frag, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.Join(filepath.Dir(file), path)
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s links to %s, which does not exist", filepath.Base(file), target)
						continue
					}
				}
				if frag != "" && strings.HasSuffix(dest, ".md") && !anchors(readFile(t, dest))[frag] {
					t.Errorf("%s links to %s, but %s has no heading #%s", filepath.Base(file), target, filepath.Base(dest), frag)
				}
			}
		}
	}
}

// firstIndentedAfter is the first indented (code) line after the heading
// line h, unindented: what .ci/run's awk takes from README.md's "## Tests".
func firstIndentedAfter(md, h string) string {
	in := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, h) {
			in = true
			continue
		}
		if in && strings.HasPrefix(line, "    ") {
			return strings.TrimPrefix(line, "    ")
		}
	}
	return ""
}

// suiteLines are the test commands of a text: lines that run go test, a
// cluster rerun or the fuzz script.
func suiteLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "go test ") || strings.HasPrefix(line, "REDIS_URL=") || strings.HasPrefix(line, ".ci/fuzz") {
			out = append(out, line)
		}
	}
	return out
}

// TestDocsMatchCI: the README shows one test command, and it is the one
// .ci/run runs (taken from README.md); docs/TESTING.md's "What .ci/run
// runs" lists exactly the suites .ci/run runs after it, in its order.
func TestDocsMatchCI(t *testing.T) {
	readme := readFile(t, filepath.Join(repoRoot, "README.md"))
	ci := readFile(t, filepath.Join(repoRoot, ".ci", "run"))
	testingMD := readFile(t, filepath.Join(repoRoot, "docs", "TESTING.md"))

	cmd := firstIndentedAfter(readme, "## Tests")
	if !strings.HasPrefix(cmd, "go test ") || strings.ContainsAny(cmd, "&;|") {
		t.Errorf("README.md's test command is %q: one go test command, no chain (the other suites run from .ci/run)", cmd)
	}
	for _, flag := range []string{"-race", "-count=1", "./..."} {
		if !slices.Contains(strings.Fields(cmd), flag) {
			t.Errorf("README.md's test command %q lacks %s", cmd, flag)
		}
	}
	if !strings.Contains(ci, `awk '/^## Tests/{t=1; next} t && /^    /{sub(/^    /, ""); print; exit}' README.md`) || !strings.Contains(ci, `bash -c "$cmd"`) {
		t.Error(".ci/run no longer runs the first indented line under README.md's ## Tests")
	}
	if got := firstIndentedAfter(testingMD, "# Testing"); got != cmd {
		t.Errorf("docs/TESTING.md opens with %q, README.md's test command is %q", got, cmd)
	}

	_, section, _ := strings.Cut(testingMD, "\n## What .ci/run runs\n")
	section, _, _ = strings.Cut(section, "\n## ")
	documented, run := suiteLines(section), suiteLines(ci)
	if len(run) == 0 || !slices.Equal(documented, run) {
		t.Errorf("docs/TESTING.md, \"What .ci/run runs\", lists\n\t%s\nbut .ci/run runs\n\t%s",
			strings.Join(documented, "\n\t"), strings.Join(run, "\n\t"))
	}
}
