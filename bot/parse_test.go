package bot

import (
	"strconv"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func TestParseCallback(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	good := map[string]Action{
		"m":                                {Verb: vMenu},
		"s:talk":                           {Verb: vService, Service: "talk"},
		"p:talk:*":                         {Verb: vTherapist, Service: "talk"},
		"w:talk:adi:20261201":              {Verb: vWeek, Service: "talk", Therapist: "adi", Day: tori.Date{Year: 2026, Month: 12, Day: 1}},
		"t:talk:*:" + timeArg(at):          {Verb: vTime, Service: "talk", Time: at},
		"qq:adi.abcdefghij:50":             {Verb: vCancelDo, Appt: "adi.abcdefghij", Percent: 50},
		"rt:adi.abcdefghij:" + timeArg(at): {Verb: vRescheduleTm, Appt: "adi.abcdefghij", Time: at},
		"l:he":                             {Verb: vLang, Lang: "he"},
		"sc:adi.abcdefghij:2":              {Verb: vSeriesCount, Appt: "adi.abcdefghij", Every: 2},
		"sp:adi.abcdefghij:112:0":          {Verb: vSeriesPlan, Appt: "adi.abcdefghij", Every: 1, Count: 12},
		"sp:adi.abcdefghij:18:a":           {Verb: vSeriesPlan, Appt: "adi.abcdefghij", Every: 1, Count: 8, Skip: weeks{0b1010}},
		"sb:adi.abcdefghij:226:0:k3m9":     {Verb: vSeriesBook, Appt: "adi.abcdefghij", Every: 2, Count: 26, Stamp: "k3m9"},
	}
	for in, want := range good {
		got, ok := ParseCallback(in)
		if !ok || got != want {
			t.Errorf("ParseCallback(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	bad := []string{
		"", "zz", "m:extra", "s", "s:", "s:Talk", "s:talk:x", "w:talk:adi:20261301", "w:talk:adi:2026121",
		"w:talk:adi:2026120a", "t:talk:*:ZZZ", "t:talk:*:-1", "t:talk:*:1", "q:adi", "q:../etc", "l:fr",
		"k:adi.abcdefghij:x", "p:talk:", "s:" + string(make([]byte, 70)), "w:talk:adi:19991231", "s:-x",
		// Series: every 1 or 2 weeks, 2 to 104 sessions, skipped weeks within
		// them, written one way only; a stamp under 2³⁰.
		"sc:adi.abcdefghij:3", "sc:adi.abcdefghij:", "sp:adi.abcdefghij:31:0", "sp:adi.abcdefghij:11:0", "sp:adi.abcdefghij:1105:0",
		"sp:adi.abcdefghij:104:0", "sp:adi.abcdefghij:1+4:0", "sp:adi.abcdefghij:14:g", "sp:adi.abcdefghij:14:00", "sp:adi.abcdefghij:14:-1",
		"sp:adi.abcdefghij:14:A", "sp:adi.abcdefghij:14:", "sb:adi.abcdefghij:14:0:zzzzzz", "sb:adi.abcdefghij:14:0:0a",
		"sb:adi.abcdefghij:14:0:ZZ", "sb:adi.abcdefghij:14:0:1234567", "sb:adi.abcdefghij:14:0", "sv:adi",
	}
	for _, in := range bad {
		if a, ok := ParseCallback(in); ok {
			t.Errorf("ParseCallback(%q) accepted: %+v", in, a)
		}
	}
}

// TestEveryArgumentHasAParser: each kind of argument a verb carries is
// read by a parser of its own (a missing one would panic on a button).
func TestEveryArgumentHasAParser(t *testing.T) {
	for verb, kinds := range grammar {
		for _, k := range kinds {
			if int(k) >= len(argParsers) || argParsers[k] == nil {
				t.Errorf("verb %q: argument kind %d has no parser", verb, k)
			}
		}
	}
}

func TestCallbackRoundTrip(t *testing.T) {
	at := time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC) // the second 01:00 in Jerusalem that night
	data := cb(vRescheduleTm, "therapist-16chr.abcdefghij", timeArg(at))
	if len(data) > 64 {
		t.Fatalf("%q is %d bytes", data, len(data))
	}
	// The longest series button: a 16-character therapist, 104 weeks, the
	// last one skipped, the largest stamp.
	all := weeks{}.with(103)
	book := cb(vSeriesBook, "therapist-16chr.abcdefghij", planArg(2, 104), all.String(), strconv.FormatInt(1<<30-1, 36))
	if a, ok := ParseCallback(book); !ok || len(book) > 64 || a.Skip != all || !a.Skip.has(103) || a.Skip.has(102) || a.Count != 104 {
		t.Fatalf("%q (%d bytes) -> %+v %v", book, len(book), a, ok)
	}
	if _, ok := ParseCallback(cb(vSeriesPlan, "adi.abcdefghij", planArg(1, 103), all.String())); ok {
		t.Fatal("week 104 of a series of 103 accepted")
	}
	long := cb(vTime, "sixteen-chars-id", "sixteen-chars-id", timeArg(at))
	a, ok := ParseCallback(long)
	if !ok || !a.Time.Equal(at) || len(long) > 64 {
		t.Fatalf("%q -> %+v %v", long, a, ok)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, bot string
		want      Command
		ok        bool
	}{
		{"/start", "ToriBot", Command{Name: "start"}, true},
		{"/start intake", "ToriBot", Command{Name: "start", Arg: "intake"}, true},
		{"/book@ToriBot", "ToriBot", Command{Name: "book"}, true},
		{"/book@toribot now", "ToriBot", Command{Name: "book", Arg: "now"}, true},
		{"/book@OtherBot", "ToriBot", Command{}, false},
		{"  /My", "ToriBot", Command{Name: "my"}, true},
		{"/start\nintake", "ToriBot", Command{Name: "start", Arg: "intake"}, true},
		{"שלום /book", "ToriBot", Command{}, false},
		{"/תור", "ToriBot", Command{}, false},
		{"hello", "ToriBot", Command{}, false},
		{"/", "ToriBot", Command{}, false},
		{"/@ToriBot", "ToriBot", Command{}, false},
		{"/help שלום", "ToriBot", Command{Name: "help", Arg: "שלום"}, true},
	}
	for _, tt := range tests {
		got, ok := ParseCommand(tt.text, tt.bot)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"m", "s:talk", "w:talk:adi:20261201", "t:talk:*:qz0x1c", "qq:adi.abcdefghij:0", "l:he", "::", "rt:a.b:c", "pv", "pxx:abcdefghij", "pxx:ABCDEFGHIJ",
		"sc:adi.abcdefghij:1", "sp:adi.abcdefghij:112:3f", "sb:adi.abcdefghij:2104:1a2b3c4d5e6f7g8h9i0jk:k3m9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		a, ok := ParseCallback(data)
		if !ok {
			return
		}
		if len(data) > 64 {
			t.Fatalf("accepted %d bytes", len(data))
		}
		if a.Appt != "" {
			if _, ok := tori.TherapistOfID(a.Appt); !ok {
				t.Fatalf("accepted appointment id %q", a.Appt)
			}
		}
		if a.Service != "" && !isID(a.Service) || a.Therapist != "" && !isID(a.Therapist) {
			t.Fatalf("accepted ids %q %q", a.Service, a.Therapist)
		}
		if a.Verb == vPrivacyEraseDo && (len(a.Token) != 10 || !isID(a.Token)) {
			t.Fatalf("accepted token %q", a.Token)
		}
		for k := max(a.Count, 0); k < 128; k++ {
			if a.Skip.has(k) {
				t.Fatalf("accepted week %d of a series of %d", k, a.Count)
			}
		}
		if a.Every < 0 || a.Every > 2 || a.Count != 0 && (a.Count < 2 || a.Count > maxSeriesWeeks) || a.Stamp != "" && !isStamp(a.Stamp) {
			t.Fatalf("accepted series %+v", a)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/start", "/start intake", "/book@ToriBot", "שלום", "/\xff", "/a@", " /x\ty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, ok := ParseCommand(text, "ToriBot")
		if ok && (c.Name == "" || len(c.Name) > 32) {
			t.Fatalf("accepted %+v", c)
		}
	})
}

func TestParseAdminDate(t *testing.T) {
	today := tori.Date{Year: 2026, Month: 12, Day: 20}
	good := map[string]tori.Date{
		"":           today,
		" Today ":    today,
		"מחר":        {Year: 2026, Month: 12, Day: 21},
		"2027-01-03": {Year: 2027, Month: 1, Day: 3},
		"3/12":       {Year: 2026, Month: 12, Day: 3},
		"3/1":        {Year: 2027, Month: 1, Day: 3}, // early January is ahead, not behind
		"3.12.26":    {Year: 2026, Month: 12, Day: 3},
		"3-12-2025":  {Year: 2025, Month: 12, Day: 3},
	}
	for in, want := range good {
		if got, ok := parseAdminDate(in, today); !ok || got != want {
			t.Errorf("parseAdminDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"45/99", "3", "1/2/3/4", "a/b", "31/2", "next week"} {
		if got, ok := parseAdminDate(in, today); ok {
			t.Errorf("parseAdminDate(%q) accepted: %v", in, got)
		}
	}
}
