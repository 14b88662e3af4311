package bot_test

import (
	"context"
	"strings"
	"testing"
)

// TestSeriesVerbsForgedByAnotherClient: Omer pressing each series verb
// with Dana's series, sessions and a held time of hers (every verb of a
// series, the client's and the practice's) sees nothing of hers and
// changes nothing: her sessions, her hold and her series stay as they were.
func TestSeriesVerbsForgedByAnotherClient(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.bookWeekly("4")
	up := w.upcoming(dana.c)
	first, sid := up[0].ID, up[0].Series
	dana.say("/start talk").press("Adi Levi").press("Wed 2/12").press("10:00")
	hold := strings.TrimPrefix(dana.screen.Keyboard[0][0].Data, "k:")
	at := strconvUnixMinutes(up[1].Start.Add(3 * 60 * 60 * 1e9))
	before, err := w.bookings.Series(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ verb, data string }{
		{"sc", "sc:" + hold + ":1"},
		{"sp", "sp:" + hold + ":14:0"},
		{"sb", "sb:" + hold + ":14:0:a"},
		{"sv", "sv:" + hold},
		{"ms", "ms:" + sid},
		{"sy", "sy:" + sid},
		{"sz", "sz:" + sid},
		{"qa", "qa:" + first},
		{"qaa", "qaa:" + first + ":a"},
		{"sg", "sg:" + sid + ":" + at},
		{"sk", "sk:" + sid},
		{"asg", "asg:" + sid + ":" + at},
		{"aq", "aq:" + first},
		{"aqq", "aqq:" + first + ":a"},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			omer.say("/start")
			omer.pressData(tc.data)
			if s := shown(omer.screen.Text); strings.Contains(s, "Talk session") || strings.Contains(s, "Tue 1/12") || strings.Contains(s, "Dana") {
				t.Fatalf("%s showed Dana's series to Omer:\n%s", tc.data, s)
			}
			if n := len(w.upcoming(dana.c)); n != 4 {
				t.Fatalf("%s left Dana %d sessions", tc.data, n)
			}
			if n := len(w.upcoming(omer.c)); n != 0 {
				t.Fatalf("%s gave Omer %d sessions", tc.data, n)
			}
			after, err := w.bookings.Series(ctx, sid)
			if err != nil || after.Status != before.Status || len(after.Taken) != len(before.Taken) || after.UpdatedAt != before.UpdatedAt {
				t.Fatalf("%s changed the series: %+v %v", tc.data, after, err)
			}
		})
	}
	if h, err := w.bookings.Own(ctx, dana.c, hold); err != nil || h.Status != "held" {
		t.Fatalf("Dana's hold after Omer's presses: %+v %v", h, err)
	}
}
