package storage

import "strconv"

// Every Redis key tori uses is built here. Keys of one therapist share the
// hash tag {t:<therapist>} so that each script touches one cluster slot;
// keys of one client share {c:<client>}.
//
// A Store's Prefix goes in front of every key, so that tests (and several
// practices) can share one Redis without seeing each other.

// therapistTag is the hash tag of one therapist's keys.
func (s *Store) therapistTag(tid string) string { return s.Prefix + "{t:" + tid + "}:" }

// appointmentKey: HASH, the fields of one appointment (see codec.go).
func (s *Store) appointmentKey(tid, id string) string { return s.therapistTag(tid) + "a:" + id }

// schedKey: ZSET, member appointment id, score start in unix ms; every live
// hold and booking of the therapist (what occupies time).
func (s *Store) schedKey(tid string) string { return s.therapistTag(tid) + "sched" }

// spanKey: HASH, appointment id -> "<blockEndMs> <holdUntilMs|0> <clientID>"
// for every member of schedKey; what the slot-taking script compares.
func (s *Store) spanKey(tid string) string { return s.therapistTag(tid) + "span" }

// maxSpanKey: STRING, the longest block (session plus buffer) ever taken, in
// ms; how far back an overlapping block can start.
func (s *Store) maxSpanKey(tid string) string { return s.therapistTag(tid) + "maxspan" }

// clientIndexKey: ZSET, member appointment id, score start in unix ms (never
// lower than the real start: written before the appointment changes, read
// through to the appointment itself).
func (s *Store) clientIndexKey(client int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(client, 10) + "}:appts"
}

// clientHoldsKey: ZSET, member hold id, score hold end in unix ms; the
// client's live holds with every therapist (the per-client hold cap).
func (s *Store) clientHoldsKey(client int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(client, 10) + "}:holds"
}

// profileKey: HASH, per Telegram user: lang.
func (s *Store) profileKey(user int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(user, 10) + "}:profile"
}

// chatStateKey: STRING, the conversation state of one chat, with a TTL.
func (s *Store) chatStateKey(chat int64) string {
	return s.Prefix + "chat:" + strconv.FormatInt(chat, 10)
}

// updateKey: STRING "busy" while an update is being handled (a short
// lease), then "done" for two days; per Telegram update_id.
func (s *Store) updateKey(update int64) string {
	return s.Prefix + "upd:" + strconv.FormatInt(update, 10)
}
