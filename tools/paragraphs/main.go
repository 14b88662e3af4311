// Command paragraphs measures, per package of a Go module (test files
// aside), how the code reads: blank lines per 100 lines of function body
// (the paragraphs of docs/CONTRIBUTING.md, "Paragraphs and comments"), the
// long bodies with none, and the comment blocks attached to no declaration.
//
//	go -C tools/paragraphs run . ../..                  # the report
//	go -C tools/paragraphs run . -list ../..            # and what to look at
//	go -C tools/paragraphs run . -floor 3 -skip bot/... ../..  # and fail under a floor
//
// It is a module of its own, the standard library only, so that tori's
// import arrows (internal/arch) need not make room for a tool.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	floor := flag.Float64("floor", 0, "fail when a package of at least -min body lines has fewer blank lines per 100 body lines")
	minBody := flag.Int("min", 200, "packages with fewer body lines are reported but not held to -floor")
	long := flag.Int("long", 25, "a body of at least this many lines is long")
	skip := flag.String("skip", "", "comma-separated packages (as reported; dir/... for dir and those under it) not held to -floor")
	list := flag.Bool("list", false, "also list the long bodies without a blank line and the loose comments")
	flag.Parse()

	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	pkgs, err := measureTree(root, *long)
	if err != nil {
		fmt.Fprintln(os.Stderr, "paragraphs:", err)
		os.Exit(1)
	}

	if *list {
		for _, p := range pkgs {
			for _, f := range p.Findings {
				fmt.Println(f)
			}
		}
		fmt.Println()
	}

	under := report(os.Stdout, pkgs, *floor, *minBody, strings.Split(*skip, ","))
	if len(under) > 0 {
		fmt.Fprintf(os.Stderr, "paragraphs: under %.1f blank lines per 100 body lines: %s\n", *floor, strings.Join(under, ", "))
		os.Exit(1)
	}
}

// Package is one directory's count; Path is relative to the root, "." for it.
type Package struct {
	Path     string
	Findings []string // "file:line what", for -list
	Count
}

// measureTree counts every package under root, skipping test files,
// testdata, hidden directories and nested modules.
func measureTree(root string, long int) ([]Package, error) {
	byDir := map[string]*Package{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(path, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}

		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c, findings, err := Measure(path, src, long)
		if err != nil {
			return err
		}

		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if byDir[rel] == nil {
			byDir[rel] = &Package{Path: rel}
		}
		byDir[rel].add(c)
		byDir[rel].Findings = append(byDir[rel].Findings, findings...)
		return nil
	})
	if err != nil {
		return nil, err
	}

	var pkgs []Package
	for _, p := range byDir {
		pkgs = append(pkgs, *p)
	}
	slices.SortFunc(pkgs, func(a, b Package) int { return strings.Compare(a.Path, b.Path) })
	return pkgs, nil
}

func skipDir(path, name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// report prints a line per package and the total, and returns the
// packages held to the floor that are under it.
func report(w io.Writer, pkgs []Package, floor float64, minBody int, skip []string) []string {
	line := func(name string, c Count) {
		fmt.Fprintf(w, "%-24s %6d %6d %6d %8.1f %5d %5d %6d\n", name, c.Funcs, c.Body, c.Blank, c.Per100(), c.Long, c.Flat, c.Loose)
	}
	fmt.Fprintf(w, "%-24s %6s %6s %6s %8s %5s %5s %6s\n", "package", "funcs", "body", "blank", "per 100", "long", "flat", "loose")

	var total Count
	var under []string
	for _, p := range pkgs {
		line(p.Path, p.Count)
		total.add(p.Count)
		if floor > 0 && p.Body >= minBody && p.Per100() < floor && !skipped(p.Path, skip) {
			under = append(under, p.Path)
		}
	}
	line("all", total)
	return under
}

// skipped reports whether path is one of skip: a package, or dir/... for
// dir and every package under it.
func skipped(path string, skip []string) bool {
	for _, s := range skip {
		dir, tree := strings.CutSuffix(s, "/...")
		if path == dir || tree && strings.HasPrefix(path, dir+"/") {
			return true
		}
	}
	return false
}
