package storage

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysBuiltInKeysGo fails when a file of the package other than
// keys.go builds a key: it reads a Store's Prefix, or declares a method
// named like a key builder (…Key, …Glob).
func TestKeysBuiltInKeysGo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "keys.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if n.Sel.Name == "Prefix" {
					t.Errorf("%s: a key is built from Prefix outside keys.go", fset.Position(n.Pos()))
				}
			case *ast.FuncDecl:
				if n.Recv != nil && (strings.HasSuffix(n.Name.Name, "Key") || strings.HasSuffix(n.Name.Name, "Glob")) && !ast.IsExported(n.Name.Name) {
					t.Errorf("%s: key builder %s belongs in keys.go", fset.Position(n.Pos()), n.Name.Name)
				}
			}
			return true
		})
	}
}
