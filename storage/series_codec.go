package storage

import (
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// encodeSeries is a series' hash (seriesKey). The rule's client is not
// kept: the occurrences name them.
func encodeSeries(sr tori.Series) []any {
	r := sr.Rule
	return []any{
		"id", sr.ID,
		"therapist", r.TherapistID,
		"service", r.ServiceID,
		"first", ms(r.First),
		"every", r.Every,
		"count", r.Count,
		"by_practice", boolField(r.ByPractice),
		"anyway", boolField(r.Anyway),
		"pay_at_session", boolField(r.PayAtSession),
		"status", string(sr.Status),
		"token", sr.Token,
		"hold_until", ms(sr.HoldUntil),
		"taken", takenField(sr.Taken),
		"next", sr.Next,
		"missed", weeksField(sr.Missed),
		"extend_at", ms(sr.ExtendAt),
		"created_at", ms(sr.CreatedAt),
		"updated_at", ms(sr.UpdatedAt),
	}
}

func decodeSeries(m map[string]string) (tori.Series, error) {
	var bad error
	num := func(k string) int64 {
		if m[k] == "" {
			return 0
		}
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil && bad == nil {
			bad = tori.WrapError(tori.EINTERNAL, err, "series %s: field %s is %q", m["id"], k, m[k])
		}
		return n
	}
	sr := tori.Series{
		ID: m["id"],
		Rule: tori.SeriesRule{
			TherapistID:  m["therapist"],
			ServiceID:    m["service"],
			First:        fromMS(num("first")),
			Every:        int(num("every")),
			Count:        int(num("count")),
			ByPractice:   m["by_practice"] == "1",
			Anyway:       m["anyway"] == "1",
			PayAtSession: m["pay_at_session"] == "1",
		},
		Status:    tori.Status(m["status"]),
		Token:     m["token"],
		HoldUntil: fromMS(num("hold_until")),
		Next:      int(num("next")),
		ExtendAt:  fromMS(num("extend_at")),
		CreatedAt: fromMS(num("created_at")),
		UpdatedAt: fromMS(num("updated_at")),
	}
	for _, f := range strings.Fields(m["taken"]) {
		w, id, ok := strings.Cut(f, ":")
		n, err := strconv.Atoi(w)
		if !ok || err != nil {
			return sr, tori.Errorf(tori.EINTERNAL, "series %s: occurrence %q", sr.ID, f)
		}
		sr.Taken = append(sr.Taken, tori.SeriesEntry{Week: n, ID: id})
	}
	for _, f := range strings.Fields(m["missed"]) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return sr, tori.Errorf(tori.EINTERNAL, "series %s: missed week %q", sr.ID, f)
		}
		sr.Missed = append(sr.Missed, n)
	}
	return sr, bad
}

// takenField writes a series' occurrences as "<week>:<id> …".
func takenField(es []tori.SeriesEntry) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(e.Week))
		b.WriteByte(':')
		b.WriteString(e.ID)
	}
	return b.String()
}

// weeksField writes weeks as "<week> …".
func weeksField(ws []int) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = strconv.Itoa(w)
	}
	return strings.Join(parts, " ")
}
