package bot

import "github.com/tori-bot/tori"

// notifySeries tells the therapist of sessions as of series sr in one
// notice (message id, plural by their number) that lists their dates,
// rather than one notice a week. more, if given, adds what only some
// notices say, written in the therapist's language.
func (c *turn) notifySeries(sr tori.Series, as []tori.Appointment, id string, more func(lang string, data map[string]any)) {
	t, lang, ok := c.therapistOf(as[0].TherapistID)
	if !ok {
		return
	}
	s, _ := c.practice.Service(sr.Rule.ServiceID)
	data := c.noticeData(lang, as[0])
	if sr.Rule.Every != 0 {
		data["Rhythm"] = c.rhythm(lang, sr.Rule.Every, sr.Rule.First, sr.Rule.First.Add(s.Duration))
	}
	data["Dates"] = c.dateLines(lang, as)
	if more != nil {
		more(lang, data)
	}
	c.tellTherapist(t, c.cat.N(lang, id, len(as), data), as[0].Client.ID)
}
