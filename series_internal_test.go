package tori

import (
	"strings"
	"testing"
	"time"
)

// TestWallTime: a wall-clock time is read as RFC 5545 reads a local
// time: once a day as usual; on a night the clocks go back, the first of
// its two instants; on a night they go forward over it, with the offset
// before the gap (and said to be shifted).
func TestWallTime(t *testing.T) {
	jlm, err := time.LoadLocation("Asia/Jerusalem")
	if err != nil {
		t.Fatal(err)
	}
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		day     Date
		h, m    int
		want    string // UTC
		shifted bool
	}{
		{"Jerusalem winter", jlm, Date{2026, 3, 22}, 10, 0, "2026-03-22T08:00:00Z", false},
		{"Jerusalem summer", jlm, Date{2026, 3, 29}, 10, 0, "2026-03-29T07:00:00Z", false},
		{"Jerusalem spring-forward day", jlm, Date{2026, 3, 27}, 10, 0, "2026-03-27T07:00:00Z", false},
		{"Jerusalem skipped 02:30", jlm, Date{2026, 3, 27}, 2, 30, "2026-03-27T00:30:00Z", true},    // 03:30 IDT
		{"Jerusalem repeated 01:30", jlm, Date{2026, 10, 25}, 1, 30, "2026-10-24T22:30:00Z", false}, // the first: IDT
		{"Jerusalem fall-back day", jlm, Date{2026, 10, 25}, 10, 0, "2026-10-25T08:00:00Z", false},
		{"London skipped 01:30", lon, Date{2026, 3, 29}, 1, 30, "2026-03-29T01:30:00Z", true},    // 02:30 BST
		{"London repeated 01:30", lon, Date{2026, 10, 25}, 1, 30, "2026-10-25T00:30:00Z", false}, // the first: BST
		{"London summer", lon, Date{2026, 3, 29}, 10, 0, "2026-03-29T09:00:00Z", false},
		{"London midnight", lon, Date{2026, 10, 25}, 0, 0, "2026-10-24T23:00:00Z", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, shifted := wallTime(tc.day, tc.h, tc.m, 0, tc.loc)
			if got.UTC().Format(time.RFC3339) != tc.want || shifted != tc.shifted {
				t.Fatalf("wallTime = %s shifted=%v, want %s shifted=%v", got.UTC().Format(time.RFC3339), shifted, tc.want, tc.shifted)
			}
		})
	}
}

// TestSeriesPolicyValidate: the series settings' bounds, with messages
// that name the field and the fix.
func TestSeriesPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		sp   SeriesPolicy
		want string
	}{
		{DefaultSeriesPolicy(), ""},
		{SeriesPolicy{MaxOccurrences: 1, Ahead: week}, "series.max_occurrences is 1: use a number from 2 to 104"},
		{SeriesPolicy{MaxOccurrences: 105, Ahead: week}, "series.max_occurrences is 105"},
		{SeriesPolicy{MaxOccurrences: 26, Ahead: 6 * 24 * time.Hour}, "series.ahead is 6d: use whole days or weeks from 1w to 52w, such as 8w"},
		{SeriesPolicy{MaxOccurrences: 26, Ahead: 53 * week}, "series.ahead is 53w"},
		{SeriesPolicy{MaxOccurrences: 26, Ahead: week + time.Hour}, "series.ahead is 169h0m0s"},
	} {
		err := tc.sp.Validate()
		if got := ErrorMessage(err); tc.want == "" && err != nil || tc.want != "" && (ErrorCode(err) != EINVALID || !strings.Contains(got, tc.want)) {
			t.Errorf("%+v: %q, want %q", tc.sp, got, tc.want)
		}
	}
}
