package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/tori-bot/tori"
)

// readSeries reads series.*, over tori.DefaultSeriesPolicy; ahead may be
// written in weeks ("8w") as well as a duration ("56d").
func readSeries(f *fileConfig, sp *tori.SeriesPolicy) error {
	*sp = tori.DefaultSeriesPolicy()
	if n := f.Series.MaxOccurrences; n != 0 {
		sp.MaxOccurrences = n
	}
	if pb := strings.TrimSpace(f.Series.PayBefore); pb != "" {
		d, err := duration("series.pay_before", pb, "72h")
		if err != nil {
			return err
		}
		sp.PayBefore = d
	}
	ahead := strings.TrimSpace(f.Series.Ahead)
	if ahead == "" {
		return nil
	}
	if w, ok := strings.CutSuffix(ahead, "w"); ok {
		var n int
		if _, err := fmt.Sscanf(w, "%d", &n); err != nil || fmt.Sprint(n) != w || n < 1 || n > 520 {
			return tori.Errorf(tori.EINVALID, "series.ahead %q is not a number of weeks: write it like 8w", ahead)
		}
		sp.Ahead = time.Duration(n) * 7 * 24 * time.Hour
		return nil
	}
	d, err := duration("series.ahead", ahead, "8w")
	if err != nil {
		return err
	}
	sp.Ahead = d
	return nil
}

// readPracticeBookings reads practice_bookings.*, over
// tori.DefaultPracticeBookingPolicy.
func readPracticeBookings(f *fileConfig, pb *tori.PracticeBookingPolicy) error {
	*pb = tori.DefaultPracticeBookingPolicy()
	if strings.TrimSpace(f.PracticeBookings.PayWithin) == "" {
		return nil
	}
	d, err := duration("practice_bookings.pay_within", f.PracticeBookings.PayWithin, "24h")
	if err != nil {
		return err
	}
	pb.PayWithin = d
	return nil
}
