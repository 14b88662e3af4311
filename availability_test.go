package tori_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tori-bot/tori"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func utcs(ss ...string) []time.Time {
	var out []time.Time
	for _, s := range ss {
		out = append(out, utc(s))
	}
	return out
}

// TestFreeSlotsDST checks both transition days of Asia/Jerusalem and
// Europe/London in 2026 with working hours that cross the change, an
// hour-long session and an hour step. Expected instants are in UTC.
func TestFreeSlotsDST(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		day   tori.Date
		hours tori.Span
		want  []time.Time
	}{
		// 02:00 IST -> 03:00 IDT: 00:00-06:00 local holds five hours.
		{"JerusalemSpring", "Asia/Jerusalem", tori.Date{Year: 2026, Month: 3, Day: 27}, span("00:00", "06:00"),
			utcs("2026-03-26 22:00", "2026-03-26 23:00", "2026-03-27 00:00", "2026-03-27 01:00", "2026-03-27 02:00")},
		// 02:00 IDT -> 01:00 IST: 00:00-06:00 local holds seven hours.
		{"JerusalemAutumn", "Asia/Jerusalem", tori.Date{Year: 2026, Month: 10, Day: 25}, span("00:00", "06:00"),
			utcs("2026-10-24 21:00", "2026-10-24 22:00", "2026-10-24 23:00", "2026-10-25 00:00", "2026-10-25 01:00", "2026-10-25 02:00", "2026-10-25 03:00")},
		// 01:00 GMT -> 02:00 BST: 00:00-04:00 local holds three hours.
		{"LondonSpring", "Europe/London", tori.Date{Year: 2026, Month: 3, Day: 29}, span("00:00", "04:00"),
			utcs("2026-03-29 00:00", "2026-03-29 01:00", "2026-03-29 02:00")},
		// 02:00 BST -> 01:00 GMT: 00:00-03:00 local holds four hours.
		{"LondonAutumn", "Europe/London", tori.Date{Year: 2026, Month: 10, Day: 25}, span("00:00", "03:00"),
			utcs("2026-10-24 23:00", "2026-10-25 00:00", "2026-10-25 01:00", "2026-10-25 02:00")},
		// Ordinary hours on the transition days land on the new offset.
		{"JerusalemSpringMorning", "Asia/Jerusalem", tori.Date{Year: 2026, Month: 3, Day: 27}, span("09:00", "11:00"),
			utcs("2026-03-27 06:00", "2026-03-27 07:00")},
		{"JerusalemAutumnMorning", "Asia/Jerusalem", tori.Date{Year: 2026, Month: 10, Day: 25}, span("09:00", "11:00"),
			utcs("2026-10-25 07:00", "2026-10-25 08:00")},
		{"LondonSpringMorning", "Europe/London", tori.Date{Year: 2026, Month: 3, Day: 29}, span("09:00", "11:00"),
			utcs("2026-03-29 08:00", "2026-03-29 09:00")},
		{"LondonAutumnMorning", "Europe/London", tori.Date{Year: 2026, Month: 10, Day: 25}, span("09:00", "11:00"),
			utcs("2026-10-25 09:00", "2026-10-25 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := practice()
			p.Location = mustLoad(tt.zone)
			p.Policy.SlotStep = time.Hour
			p.Policy.MinNotice = 0
			th := p.Therapists[0]
			th.Hours = tori.WeeklyHours{}
			th.Hours[tt.day.Weekday()] = []tori.Span{tt.hours}
			svc := p.Services[0]
			svc.Duration, svc.BufferAfter = time.Hour, 0
			now := tt.day.AddDays(-3).In(p.Location)
			got := tori.FreeSlots(p, th, svc, tt.day, tt.day, nil, now)
			if !slices.EqualFunc(got, tt.want, time.Time.Equal) {
				t.Fatalf("slots:\n got %v\nwant %v", got, tt.want)
			}
			// Every slot is a real instant on the asked day, an hour apart in absolute time.
			for i, s := range got {
				if tori.DateOf(s.In(p.Location)) != tt.day {
					t.Errorf("slot %v is not on %v", s.In(p.Location), tt.day)
				}
				if i > 0 && s.Sub(got[i-1]) != time.Hour {
					t.Errorf("slot %v is %v after the previous one", s, s.Sub(got[i-1]))
				}
			}
		})
	}
}

func TestFreeSlots(t *testing.T) {
	p := practice()
	loc := p.Location
	adi, talk := p.Therapists[0], p.Services[0]
	day := tori.Date{Year: 2026, Month: 12, Day: 1} // a Tuesday
	at := func(hm string) time.Time {
		m, _ := tori.ParseMinute(hm)
		return day.At(m, loc)
	}
	local := func(ts []time.Time) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.In(loc).Format("15:04"))
		}
		return out
	}
	now := day.AddDays(-1).At(12*60, loc)

	t.Run("WorkingHours", func(t *testing.T) {
		got := local(tori.FreeSlots(p, adi, talk, day, day, nil, now))
		want := []string{"09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("BusyWithBuffers", func(t *testing.T) {
		// A session 10:00-10:50 with its buffer to 11:00.
		busy := []tori.Interval{{Start: at("10:00"), End: at("11:00")}}
		got := local(tori.FreeSlots(p, adi, talk, day, day, busy, now))
		// 09:00 ends with its buffer at 10:00 exactly: allowed; 09:30 would run into 10:00.
		want := []string{"09:00", "11:00", "11:30", "12:00", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("OverlappingBusyMerged", func(t *testing.T) {
		busy := []tori.Interval{{Start: at("15:00"), End: at("17:00")}, {Start: at("09:00"), End: at("12:00")}, {Start: at("16:00"), End: at("16:30")}, {Start: at("11:00"), End: at("11:30")}}
		got := local(tori.FreeSlots(p, adi, talk, day, day, busy, now))
		want := []string{"12:00", "17:00", "17:30", "18:00"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("MinNoticeAndToday", func(t *testing.T) {
		// At 13:40 on the day with 2 hours' notice: nothing before 15:40.
		got := local(tori.FreeSlots(p, adi, talk, day.AddDays(-1), day, nil, at("13:40")))
		want := []string{"16:00", "16:30", "17:00", "17:30", "18:00"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("Horizon", func(t *testing.T) {
		p := practice()
		p.Policy.MaxDaysAhead = 7
		got := tori.FreeSlots(p, adi, talk, day, day.AddDays(30), nil, now)
		last := tori.DateOf(got[len(got)-1].In(loc))
		if last != day.AddDays(6) { // today is day-1; day-1+7 = day+6 (a Monday)
			t.Fatalf("last offered day %v, want %v", last, day.AddDays(6))
		}
	})
	t.Run("DayOffAndWeekend", func(t *testing.T) {
		adi := adi
		adi.DaysOff = []tori.Date{day}
		if got := tori.FreeSlots(p, adi, talk, day, day, nil, now); len(got) != 0 {
			t.Fatalf("slots on a day off: %v", got)
		}
		fri := tori.Date{Year: 2026, Month: 12, Day: 4}
		if got := tori.FreeSlots(p, adi, talk, fri, fri.AddDays(1), nil, now); len(got) != 0 {
			t.Fatalf("slots on Friday/Saturday: %v", got)
		}
	})
	t.Run("Nearest", func(t *testing.T) {
		all := tori.FreeSlots(p, adi, talk, day, day, nil, now)
		got := local(tori.Nearest(all, at("12:00"), 3))
		if !slices.Equal(got, []string{"11:00", "11:30", "12:00"}) {
			t.Fatalf("nearest = %v", got)
		}
	})
}

func TestDate(t *testing.T) {
	d := tori.Date{Year: 2026, Month: 11, Day: 25} // Wednesday
	if got := d.WeekStart(time.Sunday); got != (tori.Date{Year: 2026, Month: 11, Day: 22}) {
		t.Errorf("WeekStart(Sunday) = %v", got)
	}
	if got := d.WeekStart(time.Monday); got != (tori.Date{Year: 2026, Month: 11, Day: 23}) {
		t.Errorf("WeekStart(Monday) = %v", got)
	}
	if got := d.AddDays(7); got != (tori.Date{Year: 2026, Month: 12, Day: 2}) {
		t.Errorf("AddDays(7) = %v", got)
	}
	if n := d.DaysUntil(tori.Date{Year: 2027, Month: 1, Day: 1}); n != 37 {
		t.Errorf("DaysUntil = %d", n)
	}
	if _, err := tori.ParseDate("2026-02-30"); err == nil {
		t.Error("ParseDate accepted February 30")
	}
	for _, bad := range []string{"9:00", "25:00", "24:30", "12:60", "ab:cd"} {
		if _, err := tori.ParseMinute(bad); err == nil {
			t.Errorf("ParseMinute(%q) accepted", bad)
		}
	}
}
