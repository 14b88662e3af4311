package hebrew

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestAgainstHebcal compares every day of the fixture @hebcal/core wrote
// (testdata/gen) with what this package computes: each holiday of the
// Gregorian years 2000-2060 in Israel mode, each Hebrew year's length, and the
// first of each month (and the 30th of Cheshvan and Kislev, where they exist).
func TestAgainstHebcal(t *testing.T) {
	f, err := os.Open("testdata/hebcal-2000-2060.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	want := map[string][]string{} // "2026" -> sorted "id date" lines
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("fixture line %q: want kind, key, value", line)
		}
		kind, key, val := fields[0], fields[1], fields[2]
		n++
		switch kind {
		case "holiday":
			want[val[:4]] = append(want[val[:4]], key+" "+val)
		case "year":
			checkYear(t, key, val)
		case "month":
			checkDay(t, key, val)
		default:
			t.Fatalf("fixture line %q: unknown kind", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1500 {
		t.Fatalf("fixture has %d lines; it is cut short", n)
	}

	ids := []string{"yom_haatzmaut", "yom_hazikaron", "yom_hashoah", "purim", "tisha_bav"}
	for y := 2000; y <= 2060; y++ {
		var got []string
		for hy := y + 3759; hy <= y+3761; hy++ {
			for _, h := range Year(Israel, hy, true, ids) {
				if h.Civil.Year == y {
					got = append(got, h.ID+" "+h.Civil.String())
				}
			}
		}
		w := want[strconv.Itoa(y)]
		slices.Sort(got)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("holidays of %d:\n got %v\nwant %v", y, got, w)
		}
	}
}

// checkYear checks the length of Hebrew year key.
func checkYear(t *testing.T, key, val string) {
	t.Helper()
	y, _ := strconv.Atoi(key)
	if got := strconv.Itoa(YearDays(y)); got != val {
		t.Errorf("year %d has %s days, hebcal says %s", y, got, val)
	}
}

// checkDay checks the Hebrew day key ("5787-7-1") both ways; val "-" says
// the day does not exist.
func checkDay(t *testing.T, key, val string) {
	t.Helper()
	var d Date
	if _, err := fmt.Sscanf(key, "%d-%d-%d", &d.Year, &d.Month, &d.Day); err != nil {
		t.Fatalf("fixture key %q: %v", key, err)
	}
	if val == "-" {
		if d.Valid() {
			t.Errorf("%v exists here, not in hebcal", d)
		}
		return
	}
	if !d.Valid() {
		t.Errorf("%v does not exist here; hebcal has it on %s", d, val)
		return
	}
	c := d.Civil()
	if c.String() != val {
		t.Errorf("%v is %s here, %s in hebcal", d, c, val)
	}
	if back := FromCivil(c); back != d {
		t.Errorf("%s converts back to %v, not %v", c, back, d)
	}
}
