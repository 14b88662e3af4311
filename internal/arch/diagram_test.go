package arch_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// rootLabel is how the diagram names the root package.
const rootLabel = "tori (root)"

var (
	nodeDecl = regexp.MustCompile(`^\s*(\w+)\["([^"]*)"\]\s*$`)
	edgeLine = regexp.MustCompile(`^\s*(\w+)\s*-->\s*(\w+(?:\s*&\s*\w+)*)\s*$`)
)

// TestDiagramIsTheTable: the mermaid diagram under "Rooms and arrows" in
// docs/ARCHITECTURE.md has the rooms (each labelled with its packages)
// and the arrows of this test's table, no more and no fewer.
func TestDiagramIsTheTable(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(moduleRoot(t), "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	diagram := mermaidAfter(string(md), "## Rooms and arrows")
	if diagram == "" {
		t.Fatal(`docs/ARCHITECTURE.md has no mermaid diagram under "## Rooms and arrows"`)
	}

	drawnRooms, drawnArrows := map[string][]string{}, map[string][]string{}
	for _, line := range strings.Split(diagram, "\n") {
		if m := nodeDecl.FindStringSubmatch(line); m != nil {
			for _, p := range strings.Split(m[2], ", ") {
				if p == rootLabel {
					p = ""
				}
				drawnRooms[m[1]] = append(drawnRooms[m[1]], p)
			}
		} else if m := edgeLine.FindStringSubmatch(line); m != nil {
			for _, to := range strings.Split(m[2], "&") {
				drawnArrows[m[1]] = append(drawnArrows[m[1]], strings.TrimSpace(to))
			}
		}
	}

	for _, room := range union(rooms, drawnRooms) {
		if got, want := sorted(drawnRooms[room]), sorted(rooms[room]); !slices.Equal(got, want) {
			t.Errorf("room %s: the diagram has %q, the table %q", room, got, want)
		}
	}
	for _, room := range union(arrows, drawnArrows) {
		if got, want := sorted(drawnArrows[room]), sorted(arrows[room]); !slices.Equal(got, want) {
			t.Errorf("arrows from %s: the diagram has %q, the table %q", room, got, want)
		}
	}
}

// mermaidAfter is the first mermaid block after the heading line h.
func mermaidAfter(md, h string) string {
	_, rest, ok := strings.Cut(md, "\n"+h+"\n")
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, "```mermaid\n")
	if !ok {
		return ""
	}
	block, _, _ := strings.Cut(rest, "```")
	return block
}

func union(a, b map[string][]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
