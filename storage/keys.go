package storage

import (
	"strconv"

	"github.com/tori-bot/tori"
)

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

// holdExpiryKey: ZSET, the therapist's holds by when they end (a queue of
// due work, see queue.go).
func (s *Store) holdExpiryKey(tid string) string { return s.queueKey(tori.QueueHoldExpiry, tid) }

// remindKey: ZSET, the therapist's bookings by when their next reminder is
// to be worked out (a queue of due work).
func (s *Store) remindKey(tid string) string { return s.queueKey(tori.QueueReminders, tid) }

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

// profileKey: HASH, per Telegram user: lang; forgiven (the appointment
// whose late cancellation was forgiven).
func (s *Store) profileKey(user int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(user, 10) + "}:profile"
}

// chatStateKey: STRING, the conversation state of one chat, with a TTL.
func (s *Store) chatStateKey(chat int64) string {
	return s.Prefix + "chat:" + strconv.FormatInt(chat, 10)
}

// seenKey: STRING "busy" while an external event (a Telegram update, a
// PayPal webhook event) is being handled (a short lease), then "done" for a
// while; per kind and event id.
func (s *Store) seenKey(kind, id string) string { return s.Prefix + "seen:" + kind + ":" + id }

// orderKey: STRING, the appointment id of a PayPal order.
func (s *Store) orderKey(orderID string) string { return s.Prefix + "order:" + orderID }

// captureKey: STRING, the appointment id of a PayPal capture.
func (s *Store) captureKey(captureID string) string { return s.Prefix + "capture:" + captureID }

// openPaymentsKey: ZSET, appointment ids with an order not yet settled,
// scored by when they are next looked up with PayPal (reconciliation).
// tellKey: STRING with a lease, a caller telling of appointment id's
// settled payment (see ClaimTelling).
func (s *Store) tellKey(tid, id string) string { return s.therapistTag(tid) + "tell:" + id }

func (s *Store) openPaymentsKey() string { return s.Prefix + "payments:open" }

// pendingRefundsKey: ZSET, appointment ids with a refund pending, scored by
// when it is next due to be tried.
func (s *Store) pendingRefundsKey() string { return s.Prefix + "refunds:pending" }

// strikesKey: ZSET, a client's late cancellations and no-shows: member
// appointment id, score when, in unix ms.
func (s *Store) strikesKey(client int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(client, 10) + "}:strikes"
}

// Privacy (see privacy.go and docs/PRIVACY.md).

// eraseKey: HASH, a client's erasure under way: phase, started (ms), chat,
// therapists (to tell), until (ms: no hold in their name before). Its
// existence refuses every hold in the client's name (reserveScript).
func (s *Store) eraseKey(client int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(client, 10) + "}:erase"
}

// clientRelaysKey: SET, "<admin chat>:<message>" of every relayKey that
// points to this client chat (so that erasure finds them); 60 days.
func (s *Store) clientRelaysKey(chat int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(chat, 10) + "}:relays"
}

// keptKey: ZSET, the therapist's appointments that still carry personal
// details and will be kept (booked, or paid): member id, score end in ms.
// Written when a hash stops expiring by itself (confirmScript,
// confirmPaidScript); retention anonymises what ended long enough ago.
func (s *Store) keptKey(tid string) string { return s.therapistTag(tid) + "kept" }

// moneyKey: ZSET, the therapist's anonymised appointments (money records):
// member id, score their last money movement (or end) in ms.
func (s *Store) moneyKey(tid string) string { return s.therapistTag(tid) + "money" }

// backfilledKey: STRING, set once every appointment written before
// keptKey existed has been put in it.
func (s *Store) backfilledKey() string { return s.Prefix + "privacy:backfilled" }

// clientsKey: ZSET, member a client's Telegram id, score their last
// activity (a hold, joining the waitlist, choosing a language) in unix ms;
// retention forgets a client idle longer than privacy.keep_personal who
// has nothing kept (see clients.go).
func (s *Store) clientsKey() string { return s.Prefix + "privacy:clients" }

// clientsBackfilledKey: STRING, set once every client stored before
// clientsKey existed has been put in it.
func (s *Store) clientsBackfilledKey() string { return s.Prefix + "privacy:clients-backfilled" }

// erasuresKey: ZSET, the erasures under way (client ids), by when the
// worker next looks at each (the queue tori.QueueErasures).
func (s *Store) erasuresKey() string { return s.Prefix + "privacy:erase" }

// Notes encryption (see notekey.go and docs/ENCRYPTION.md).

// notesKeyKey: HASH, the data key the practice's notes are written under:
// current -> its key id, since -> ms it became current, retired:<id> -> ms
// a later key replaced that one. Absent while no process with a key has
// started on this data (notes in plain text).
func (s *Store) notesKeyKey() string { return s.Prefix + "notes:key" }
