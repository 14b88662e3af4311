package arch_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tori-bot/tori"

// rooms are the module's packages by room, as the diagram in
// docs/ARCHITECTURE.md names them ("" is the root package).
var rooms = map[string][]string{
	"root":      {""},
	"helpers":   {"internal/bidi", "internal/fault"},
	"metrics":   {"metrics"},
	"ical":      {"ical"},
	"hebrew":    {"hebrew"},
	"busy":      {"busy"},
	"storage":   {"storage"},
	"payments":  {"payments"},
	"scheduler": {"scheduler"},
	"bot":       {"bot"},
	"telegram":  {"telegram"},
	"web":       {"web"},
	"fakes":     {"telegram/telegramtest", "payments/paypaltest", "storage/storagetest", "internal/testpractice", "internal/logtest", "busy/busytest"},
	"wiring":    {"cmd/tori", "internal/preview"},
	"suites":    {"faults", "internal/arch"},
}

// arrows are the rooms each room's code may import besides its own: the
// diagram's arrows. Tests may import more (a package's tests drive it
// with the fakes and the real adapters).
var arrows = map[string][]string{
	"root":      nil,
	"helpers":   nil,
	"metrics":   {"root"},
	"ical":      {"root"},
	"hebrew":    nil,
	"busy":      {"root"},
	"storage":   {"helpers", "root"},
	"payments":  {"metrics", "root"},
	"scheduler": {"metrics", "root"},
	"bot":       {"ical", "helpers", "root"},
	"telegram":  {"bot", "metrics", "helpers", "root"},
	"web":       {"bot", "ical", "storage", "helpers", "root"},
	"fakes":     {"storage", "root"},
	"wiring":    {"web", "telegram", "bot", "scheduler", "payments", "storage", "busy", "metrics", "fakes", "helpers", "hebrew", "root"},
	"suites":    nil,
}

// banned are imports from outside the module a room's code must not make:
// a package (and every package under it), or "non-std", every package
// outside the standard library.
var banned = map[string][]string{
	"root":      {"non-std", "net"},
	"bot":       {"net/http"}, // the conversation knows neither Telegram nor HTTP
	"ical":      {"net"},
	"hebrew":    {"non-std", "net"}, // arithmetic only
	"scheduler": {"net/http"},
}

// onlyIn are imports from outside the module (and every package under
// each) that only the code of the packages named may make.
var onlyIn = map[string][]string{
	// Only the Telegram adapter speaks to Telegram; its fake and the wiring
	// may name its types.
	"github.com/go-telegram/bot": {"telegram", "telegram/telegramtest", "cmd/tori", "internal/preview"},
}

// pkg is one package's code (test files aside).
type pkg struct {
	path  string // relative to the module: "" for the root
	files map[string]*ast.File
}

// TestImportDirection: every package of the module belongs to a room, and
// its code imports only packages of the rooms its room's arrows point to,
// and nothing its room bans.
func TestImportDirection(t *testing.T) {
	pkgs := load(t)
	roomOf := map[string]string{}
	for room, paths := range rooms {
		for _, p := range paths {
			roomOf[p] = room
		}
	}

	for _, p := range pkgs {
		room, ok := roomOf[p.path]
		if !ok {
			t.Errorf("package %q is in no room: add it to one in docs/ARCHITECTURE.md (Rooms and arrows) and in this test's table", display(p.path))
			continue
		}
		for name, f := range p.files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if why := refused(room, p.path, path, roomOf); why != "" {
					t.Errorf("%s imports %s: %s", name, path, why)
				}
			}
		}
	}
}

// refused says why the code of the package pkg, in room, may not import
// path, or "".
func refused(room, pkg, path string, roomOf map[string]string) string {
	if rel, ours := strings.CutPrefix(path, module); ours && (rel == "" || rel[0] == '/') {
		to, ok := roomOf[strings.TrimPrefix(rel, "/")]
		switch {
		case !ok:
			return "a package in no room"
		case to == room, slices.Contains(arrows[room], to):
			return ""
		}
		return "no arrow from " + room + " to " + to + " (docs/ARCHITECTURE.md, Rooms and arrows)"
	}

	for b, pkgs := range onlyIn {
		if under(path, b) && !slices.Contains(pkgs, pkg) {
			return "only " + strings.Join(pkgs, ", ") + " may import " + b + " (docs/ARCHITECTURE.md, Rooms and arrows)"
		}
	}
	for _, b := range banned[room] {
		std := !strings.Contains(strings.Split(path, "/")[0], ".")
		if b == "non-std" && !std || under(path, b) {
			return room + " may not import " + b + " (docs/ARCHITECTURE.md, Rooms and arrows)"
		}
	}
	return ""
}

// under reports whether path is the package b or one under it.
func under(path, b string) bool { return path == b || strings.HasPrefix(path, b+"/") }

// TestOnlyInNamesPackages: every package onlyIn allows an import is one of
// the rooms' (a package renamed or gone is not silently allowed still).
func TestOnlyInNamesPackages(t *testing.T) {
	all := roomOfAll()
	for b, pkgs := range onlyIn {
		for _, p := range pkgs {
			if !slices.Contains(all, p) {
				t.Errorf("onlyIn lets %q import %s, but no room holds it", p, b)
			}
		}
	}
}

// load parses the code (test files aside, every build tag included) of
// every package of the module; another module inside it (tools/) is not
// part of it.
func load(t *testing.T) []pkg {
	t.Helper()
	root := moduleRoot(t)
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || exists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if dir == "." {
			dir = ""
		}
		if byDir[dir] == nil {
			byDir[dir] = &pkg{path: dir, files: map[string]*ast.File{}}
		}
		byDir[dir].files[rel] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	for _, p := range byDir {
		pkgs = append(pkgs, *p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].path < pkgs[j].path })
	if len(pkgs) < len(roomOfAll()) {
		t.Fatalf("found %d packages under %s, fewer than the rooms hold", len(pkgs), root)
	}
	return pkgs
}

func roomOfAll() []string {
	var all []string
	for _, paths := range rooms {
		all = append(all, paths...)
	}
	return all
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(dir, "go.mod")) {
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// display names a package as the diagram does.
func display(path string) string {
	if path == "" {
		return rootLabel
	}
	return path
}
