package busy

import (
	"context"
	"time"

	"github.com/tori-bot/tori"
)

// Reader is the worker's calendar reader (scheduler.CalendarReader) over
// f: a conditional fetch with prev's validators, then the busy times over
// [from, to), floating times and all-day events in zone.
func Reader(f *Fetcher, zone *time.Location) func(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, prev tori.BusyState, from, to time.Time) (tori.BusyImport, bool, error) {
	return func(ctx context.Context, t tori.Therapist, c tori.BusyCalendar, prev tori.BusyState, from, to time.Time) (tori.BusyImport, bool, error) {
		if c.CalDAV {
			return tori.BusyImport{}, false, tori.Errorf(tori.EINVALID, "CalDAV calendars are not read yet: give the calendar's ICS address as url instead")
		}
		got, err := f.Fetch(ctx, c.URL, Validators{ETag: prev.ETag, LastModified: prev.LastModified})
		if err != nil || got.Unchanged {
			return tori.BusyImport{}, got.Unchanged, err
		}

		o := Options{Zone: zone, AllDay: c.AllDay}
		if c.Owner != "" {
			o.Owners = []string{c.Owner}
		}
		ivs, err := Read(got.Body, from, to, o)
		if err != nil {
			return tori.BusyImport{}, false, err
		}
		return tori.BusyImport{Source: c.Source(), Intervals: ivs, ETag: got.Validators.ETag, LastModified: got.Validators.LastModified}, false, nil
	}
}
