package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// Count is what the code of a file or a package holds.
type Count struct {
	Funcs int // function declarations with a body
	Body  int // lines of their bodies: those between the braces
	Blank int // blank lines among them
	Long  int // bodies of at least the long length
	Flat  int // long bodies without a blank line
	Loose int // comment blocks attached to no declaration
}

// Per100 is the blank lines per 100 body lines.
func (c Count) Per100() float64 {
	if c.Body == 0 {
		return 0
	}
	return 100 * float64(c.Blank) / float64(c.Body)
}

func (c *Count) add(o Count) {
	c.Funcs += o.Funcs
	c.Body += o.Body
	c.Blank += o.Blank
	c.Long += o.Long
	c.Flat += o.Flat
	c.Loose += o.Loose
}

// Measure counts one Go file and names what -list shows: its long bodies
// without a blank line and its loose comment blocks. A line is blank when
// it holds only spaces and is not inside a string literal; a function
// literal counts with the function it is in.
func Measure(name string, src []byte, long int) (Count, []string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return Count{}, nil, err
	}
	tf := fset.File(f.Pos())
	lines := strings.Split(string(src), "\n")

	var c Count
	var findings []string
	inString := stringLines(f, tf)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}

		c.Funcs++
		n, blank := 0, 0
		for l := tf.Line(fn.Body.Lbrace) + 1; l < tf.Line(fn.Body.Rbrace); l++ {
			n++
			if strings.TrimSpace(lines[l-1]) == "" && !inString[l] {
				blank++
			}
		}
		c.Body += n
		c.Blank += blank

		if n >= long {
			c.Long++
			if blank == 0 {
				c.Flat++
				findings = append(findings, fmt.Sprintf("%s:%d %s: %d lines without a blank one", name, tf.Line(fn.Pos()), fn.Name.Name, n))
			}
		}
	}

	for _, g := range looseComments(f) {
		c.Loose++
		findings = append(findings, fmt.Sprintf("%s:%d a comment attached to no declaration", name, tf.Line(g.Pos())))
	}
	return c, findings, nil
}

// stringLines are the lines a multi-line string literal continues on.
func stringLines(f *ast.File, tf *token.File) map[int]bool {
	in := map[int]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			for l := tf.Line(lit.Pos()) + 1; l <= tf.Line(lit.End()); l++ {
				in[l] = true
			}
		}
		return true
	})
	return in
}

// looseComments are the comment groups that document nothing: not the
// package's doc, a declaration's, a spec's or a field's (or their line
// comments), not a build constraint or directive, and not inside a
// function, a literal or a type, where a comment speaks of what is next
// to it.
func looseComments(f *ast.File) []*ast.CommentGroup {
	attached := map[*ast.CommentGroup]bool{f.Doc: true}
	var inside [][2]token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			attached[n.Doc] = true
		case *ast.GenDecl:
			attached[n.Doc] = true
		case *ast.ValueSpec:
			attached[n.Doc], attached[n.Comment] = true, true
		case *ast.TypeSpec:
			attached[n.Doc], attached[n.Comment] = true, true
		case *ast.ImportSpec:
			attached[n.Doc], attached[n.Comment] = true, true
		case *ast.Field:
			attached[n.Doc], attached[n.Comment] = true, true
		}
		switch n := n.(type) {
		case *ast.BlockStmt, *ast.CompositeLit, *ast.StructType, *ast.InterfaceType:
			inside = append(inside, [2]token.Pos{n.Pos(), n.End()})
		}
		return true
	})

	var loose []*ast.CommentGroup
	for _, g := range f.Comments {
		if attached[g] || directive(g) || within(g.Pos(), inside) {
			continue
		}
		loose = append(loose, g)
	}
	return loose
}

// directive reports a group of only //go: lines and build constraints.
func directive(g *ast.CommentGroup) bool {
	for _, c := range g.List {
		if !strings.HasPrefix(c.Text, "//go:") && !strings.HasPrefix(c.Text, "// +build") {
			return false
		}
	}
	return true
}

func within(p token.Pos, ranges [][2]token.Pos) bool {
	for _, r := range ranges {
		if r[0] <= p && p < r[1] {
			return true
		}
	}
	return false
}
