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
		o := Options{Zone: zone, AllDay: c.AllDay}
		if c.Owner != "" {
			o.Owners = []string{c.Owner}
		}
		if c.CalDAV {
			return f.readCalDAV(ctx, c, prev, from, to, o)
		}

		got, err := f.Fetch(ctx, c.URL, Validators{ETag: prev.ETag, LastModified: prev.LastModified})
		if err != nil || got.Unchanged {
			return tori.BusyImport{}, got.Unchanged, err
		}
		ivs, err := Read(got.Body, from, to, o)
		if err != nil {
			return tori.BusyImport{}, false, err
		}
		return tori.BusyImport{Source: c.Source(), Intervals: ivs, ETag: got.Validators.ETag, LastModified: got.Validators.LastModified}, false, nil
	}
}

// readCalDAV reads a CalDAV calendar; its collection tag is kept as the
// source's ETag.
func (f *Fetcher) readCalDAV(ctx context.Context, c tori.BusyCalendar, prev tori.BusyState, from, to time.Time, o Options) (tori.BusyImport, bool, error) {
	pw, ok := f.Passwords[c.PasswordEnv]
	if !ok || pw == "" {
		return tori.BusyImport{}, false, tori.Errorf(tori.EINVALID, "the CalDAV password is not set: set the environment variable %s and restart tori", c.PasswordEnv)
	}
	got, err := f.ReadCalDAV(ctx, c, pw, prev.ETag, from, to, o)
	if err != nil || got.Unchanged {
		return tori.BusyImport{}, got.Unchanged, err
	}
	return tori.BusyImport{Source: c.Source(), Intervals: got.Intervals, ETag: got.Tag}, false, nil
}
