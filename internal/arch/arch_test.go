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
	"storage":   {"storage"},
	"payments":  {"payments"},
	"scheduler": {"scheduler"},
	"bot":       {"bot"},
	"web":       {"web"},
	"fakes":     {"bot/telegramtest", "payments/paypaltest", "storage/storagetest", "internal/testpractice", "internal/logtest"},
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
	"storage":   {"helpers", "root"},
	"payments":  {"metrics", "root"},
	"scheduler": {"metrics", "root"},
	"bot":       {"ical", "helpers", "root"},
	"web":       {"bot", "ical", "storage", "helpers", "root"},
	"fakes":     {"storage", "root"},
	"wiring":    {"web", "bot", "scheduler", "payments", "storage", "metrics", "fakes", "helpers", "root"},
	"suites":    nil,
}

// banned are imports from outside the module a room's code must not make
// ("*": every room): a package (and every package under it), or
// "non-std", every package outside the standard library.
var banned = map[string][]string{
	"*":         {"github.com/go-telegram/bot"}, // only the Telegram adapter speaks to Telegram
	"root":      {"non-std", "net"},
	"bot":       {"net/http"},
	"ical":      {"net"},
	"scheduler": {"net/http"},
}

// adapterFiles are the Telegram adapter's files still in bot/ (issue 18's
// next step moves them to a package of their own; payment.go is here for
// final(), which reads the Telegram library's errors). Until then these
// files, and only they, may also import adapterMay and what bot's banned
// list bans; and no room but the wiring may use what they declare. This
// list, adapterMay and the checks that read them go when the adapter moves.
var (
	adapterFiles = []string{"bot/telegram.go", "bot/durable.go", "bot/transport.go", "bot/limiter.go", "bot/outbox.go", "bot/webhook.go", "bot/outage.go", "bot/payment.go"}
	adapterMay   = []string{"metrics", "storage"}
)

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
				if why := refused(room, name, path, roomOf); why != "" {
					t.Errorf("%s imports %s: %s", name, path, why)
				}
			}
		}
	}
}

// refused says why file (of a package in room) may not import path, or "".
func refused(room, file, path string, roomOf map[string]string) string {
	adapter := slices.Contains(adapterFiles, file)
	if rel, ours := strings.CutPrefix(path, module); ours && (rel == "" || rel[0] == '/') {
		to, ok := roomOf[strings.TrimPrefix(rel, "/")]
		switch {
		case !ok:
			return "a package in no room"
		case to == room, slices.Contains(arrows[room], to), adapter && slices.Contains(adapterMay, to):
			return ""
		}
		return "no arrow from " + room + " to " + to + " (docs/ARCHITECTURE.md, Rooms and arrows)"
	}
	if adapter {
		return ""
	}
	for _, b := range append(banned[room], banned["*"]...) {
		std := !strings.Contains(strings.Split(path, "/")[0], ".")
		if b == "non-std" && !std || path == b || strings.HasPrefix(path, b+"/") {
			return room + " may not import " + b + " (docs/ARCHITECTURE.md, Rooms and arrows)"
		}
	}
	return ""
}

// TestAdapterStaysApart: no room but the wiring uses what the Telegram
// adapter's files in bot/ declare, so that moving them out of bot/ breaks
// nothing but the wiring.
func TestAdapterStaysApart(t *testing.T) {
	pkgs := load(t)
	declared := map[string]bool{}
	for _, p := range pkgs {
		for name, f := range p.files {
			if slices.Contains(adapterFiles, name) {
				for _, n := range exported(f) {
					declared[n] = true
				}
			}
		}
	}
	if len(declared) == 0 {
		t.Fatal("the adapter's files declare nothing exported: has the adapter moved? Then this test and adapterFiles go")
	}

	for _, p := range pkgs {
		if p.path == "bot" || slices.Contains(rooms["wiring"], p.path) {
			continue
		}
		for name, f := range p.files {
			for _, use := range uses(f, module+"/bot") {
				if declared[use] {
					t.Errorf("%s uses bot.%s, which the Telegram adapter declares: only the wiring may", name, use)
				}
			}
		}
	}
}

// exported are the names f declares at its top level that other packages
// can use (methods aside: a value of the type is needed first).
func exported(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return slices.DeleteFunc(names, func(n string) bool { return !ast.IsExported(n) })
}

// uses are the names f takes from the package at path (pkg.Name).
func uses(f *ast.File, path string) []string {
	local := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			local = filepath.Base(path)
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
	}
	if local == "" {
		return nil
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
				names = append(names, sel.Sel.Name)
			}
		}
		return true
	})
	return names
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
