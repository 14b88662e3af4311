package storage

import (
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// therapistTag is the hash tag of one therapist's keys. Every Redis key
// tori uses is built in this file: keys of one therapist share the hash tag
// {t:<therapist>} so that each script touches one cluster slot, keys of one
// client share {c:<client>}, and the waitlist's share {wl}. A Store's Prefix
// goes in front of every key, so that tests (and several practices) can
// share one Redis without seeing each other.
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

// tellKey: STRING with a lease, a caller telling of appointment id's
// settled payment (see ClaimTelling).
func (s *Store) tellKey(tid, id string) string { return s.therapistTag(tid) + "tell:" + id }

// openPaymentsKey: ZSET, appointment ids with an order not yet settled,
// scored by when they are next looked up with PayPal (reconciliation).
func (s *Store) openPaymentsKey() string { return s.Prefix + "payments:open" }

// pendingRefundsKey: ZSET, appointment ids with a refund pending, scored by
// when it is next due to be tried.
func (s *Store) pendingRefundsKey() string { return s.Prefix + "refunds:pending" }

// strikesKey: ZSET, a client's late cancellations and no-shows: member
// appointment id, score when, in unix ms.
func (s *Store) strikesKey(client int64) string {
	return s.Prefix + "{c:" + strconv.FormatInt(client, 10) + "}:strikes"
}

// eraseKey (privacy, see privacy.go and docs/PRIVACY.md): HASH, a client's erasure under way: phase, started (ms), chat,
// therapists (to tell), until (ms: the promise, no hold in their name
// before), due (ms: the worker's next look), tell (their language, when
// the worker is to tell them it is done). Its existence refuses every
// hold in the client's name (reserveScript).
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

// forgetsKey: ZSET, clients (ids) whose forgetting by retention began and
// has not ended, by when it began (ms): the intent, written before the
// first step, so that the next run finishes one a crash cut short.
func (s *Store) forgetsKey() string { return s.Prefix + "privacy:forget" }

// notesKeyKey (notes encryption, see notekey.go and docs/ENCRYPTION.md): HASH, the data key the practice's notes are written under:
// current -> its key id, since -> ms it became current, retired:<id> -> ms
// a later key replaced that one. Absent while no process with a key has
// started on this data (notes in plain text).
func (s *Store) notesKeyKey() string { return s.Prefix + "notes:key" }

// blocksKey (the practice's side, see practice.go): HASH, a therapist's blocks: block id -> "<start ms> <end ms>".
// Each block is also a member of sched/span, so that it is busy time for
// every script that takes time, from the moment it is added.
func (s *Store) blocksKey(tid string) string { return s.therapistTag(tid) + "blocks" }

// busyKey (the therapist's own calendars, see busy.go): HASH, the busy
// times imported from one source: member id -> "<start ms> <end ms>". Each
// is also a member of sched/span (client 0, no hold), as a block is, so
// that every script that takes time treats it as time off.
func (s *Store) busyKey(tid, source string) string { return s.therapistTag(tid) + "busy:" + source }

// busyStateKey: HASH, a source's last good read: etag, modified (its
// Last-Modified), at (ms it was replaced), count; while its reads fail,
// failing (ms, since when), error (the last failure's code) and told (the
// therapist was told).
func (s *Store) busyStateKey(tid, source string) string {
	return s.therapistTag(tid) + "busy:" + source + ":state"
}

// busySourcesKey: SET, the sources a therapist has busy times from (so a
// calendar taken out of tori.yaml can be cleared).
func (s *Store) busySourcesKey(tid string) string { return s.therapistTag(tid) + "busysrc" }

// busyReadKey: HASH, "<therapist>/<source>" -> ms of the last good read of
// each calendar (changed or not), written once per poll round for all of
// them, so /calendar can say when each was last read.
func (s *Store) busyReadKey() string { return s.Prefix + "busyread" }

// calTokenKey: STRING, the secret of a therapist's calendar feed.
func (s *Store) calTokenKey(tid string) string { return s.therapistTag(tid) + "caltoken" }

// usernameKey: STRING, the Telegram user id of a @username (lower case).
func (s *Store) usernameKey(username string) string {
	return s.Prefix + "uname:" + strings.ToLower(username)
}

// relayKey: STRING, the client chat a relayed message (in an admin's chat) came from.
func (s *Store) relayKey(adminChat int64, msg int) string {
	return s.Prefix + "relay:" + strconv.FormatInt(adminChat, 10) + ":" + strconv.Itoa(msg)
}

// relayQueueKey: ZSET, messages written outside messaging hours, by when
// they are due to be passed on (the queue tori.QueueRelay).
func (s *Store) relayQueueKey() string { return s.Prefix + "relay:pending" }

// markKey: STRING "1" with a TTL, a marker set once (a reminder sent, a
// therapist told; see MarkOnce).
func (s *Store) markKey(marker string) string { return s.Prefix + "mark:" + marker }

// appointmentGlob is the SCAN pattern that matches every appointmentKey
// under this store's prefix.
func (s *Store) appointmentGlob() string { return globEscape(s.Prefix) + "{t:*}:a:*" }

// profileGlob is the SCAN pattern that matches every client's profile
// (profileKey) under this store's prefix.
func (s *Store) profileGlob() string { return globEscape(s.Prefix) + "{c:*}:profile" }

// profileClient is the client id of a profileKey (as a decimal string),
// or false for a key that is not one.
func (s *Store) profileClient(key string) (string, bool) {
	id := strings.TrimSuffix(strings.TrimPrefix(key, s.Prefix+"{c:"), "}:profile")
	n, err := strconv.ParseInt(id, 10, 64)
	return id, err == nil && key == s.profileKey(n)
}

// globEscape makes s match itself in a SCAN pattern.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

// queueKey is the key of a queue; therapist is required for the
// per-therapist queues (see queue.go).
func (s *Store) queueKey(q tori.Queue, therapist string) string {
	switch q {
	case tori.QueueRefunds:
		return s.pendingRefundsKey()
	case tori.QueueOpenPayments:
		return s.openPaymentsKey()
	case tori.QueueRelay:
		return s.relayQueueKey()
	case tori.QueueWaitlist:
		return s.wlKey("offerq")
	case tori.QueueWaitEnd:
		return s.wlKey("endq")
	case tori.QueueErasures:
		return s.erasuresKey()
	}
	return s.therapistTag(therapist) + string(q)
}

// wlKey is a key of the waitlist; they share the hash tag {wl}, so that its
// scripts touch one cluster slot:
//
//	{wl}:entries        ZSET entry id -> its place in line (from {wl}:seq)
//	{wl}:seq            STRING the last place given
//	{wl}:e:<id>         STRING the entry, JSON
//	{wl}:c:<client>     SET the client's entry ids
//	{wl}:sig:<client>   HASH what an entry asks for -> its id (joining twice is one entry)
//	{wl}:dec:<entry>    SET start times (unix ms) the entry's client declined
//	{wl}:f:<id>         HASH a freeing: therapist, start, end, ver, pending, current, state, by
//	{wl}:fo:<id>        SET the entries a freeing was offered to
//	{wl}:lock:<client>  STRING the client's offer out (a hold id): one at a time
//	{wl}:offerq         ZSET freeings due a step (a queue of due work)
//	{wl}:endq           ZSET entries by when they end (a queue of due work)
func (s *Store) wlKey(parts ...string) string {
	k := s.Prefix + "{wl}"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// clientPart is a client id as a part of a waitlist key.
func clientPart(id int64) string { return strconv.FormatInt(id, 10) }

// seriesKey (series, see series.go): HASH, a series of standing sessions:
// its rule, status, the token its holds share, and its occurrences
// ("<week>:<id> …", each an appointment), the weeks it missed and when it
// next books ahead. No personal data: its appointments name the client.
func (s *Store) seriesKey(tid, id string) string { return s.therapistTag(tid) + "series:" + id }

// seriesQueueKey: ZSET, the therapist's open-ended series by when each
// next books ahead (a queue of due work, tori.QueueSeries).
func (s *Store) seriesQueueKey(tid string) string { return s.queueKey(tori.QueueSeries, tid) }

// offlineKey (clients without Telegram, see offline.go): a key of the
// practice's client records; they share the hash tag {o}, so that creating
// one and claiming an invite each touch one cluster slot:
//
//	{o}:seq          STRING the last record number given (id = tori.OfflineBase + it)
//	{o}:c:<id>       HASH a record: name, phone, created (ms), invite (its token),
//	                 became (Telegram id), attached (ms)
//	{o}:all          ZSET record ids, by when created (ms)
//	{o}:phone        HASH normalised phone -> record id
//	{o}:inv:<token>  STRING "<id> <until ms>", an invite link; kept a while past until
//	{o}:attach       ZSET record ids whose attachment began and has not ended
//	                 (the intent), by when it began (ms)
func (s *Store) offlineKey(parts ...string) string {
	k := s.Prefix + "{o}"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// offlineRecordKey: HASH, a client without Telegram's record ({o}:c:<id>).
func (s *Store) offlineRecordKey(id int64) string {
	return s.offlineKey("c", strconv.FormatInt(id, 10))
}

// inviteKey: STRING "<id> <until ms>", an invite link's token ({o}:inv:<token>).
func (s *Store) inviteKey(token string) string { return s.offlineKey("inv", token) }
