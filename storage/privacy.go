package storage

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// ClientRecord implements tori.PrivacyStore.
func (s *Store) ClientRecord(ctx context.Context, clientID, chat int64) (tori.ClientRecord, error) {
	r := tori.ClientRecord{Client: tori.Client{ID: clientID, ChatID: chat}, Declined: map[string][]time.Time{}}
	var err error
	var profile *redis.MapStringStringCmd
	var strikes *redis.ZSliceCmd
	var relays, conversation *redis.IntCmd
	var pending *redis.StringSliceCmd
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		profile = p.HGetAll(ctx, s.profileKey(clientID))
		strikes = p.ZRangeWithScores(ctx, s.strikesKey(clientID), 0, -1)
		relays = p.SCard(ctx, s.clientRelaysKey(chat))
		conversation = p.Exists(ctx, s.chatStateKey(chat))
		pending = p.ZRange(ctx, s.queueKey(tori.QueueRelay, ""), 0, -1)
		return nil
	}); err != nil {
		return r, formatError("client record", err)
	}
	m := profile.Val()
	r.Client.Name, r.Client.Username, r.Client.Lang = m["name"], m["username"], m["lang"]
	r.Prepay, r.Forgiven = m["prepay"], m["forgiven"]
	if r.Phone, err = s.attachedPhone(ctx, m["offline"]); err != nil {
		return r, err
	}
	for _, z := range strikes.Val() {
		id, _ := z.Member.(string)
		r.Strikes = append(r.Strikes, tori.Strike{Appointment: id, At: fromMS(int64(z.Score))})
	}
	r.Relayed, r.Conversation = int(relays.Val()), conversation.Val() == 1
	for _, mem := range pending.Val() {
		if rl, err := tori.DecodeRelay(mem); err == nil && rl.Client.ID == clientID {
			r.Pending = append(r.Pending, rl)
		}
	}

	if r.Appointments, err = s.ClientAppointments(ctx, clientID, time.Time{}); err != nil {
		return r, err
	}
	if r.Waitlist, err = s.ClientWaitEntries(ctx, clientID); err != nil {
		return r, err
	}
	for _, e := range r.Waitlist {
		d, err := s.Declined(ctx, e.ID)
		if err != nil {
			return r, err
		}
		for start := range d {
			r.Declined[e.ID] = append(r.Declined[e.ID], fromMS(start))
		}
	}
	return r, nil
}

// BeginErasure implements tori.PrivacyStore. The queue entry is written
// first (intent): a record the worker cannot find never exists.
func (s *Store) BeginErasure(ctx context.Context, c tori.Client, due, now time.Time) (tori.ErasureRecord, error) {
	member := strconv.FormatInt(c.ID, 10)
	if err := s.Redis.ZAddNX(ctx, s.erasuresKey(), redis.Z{Score: float64(ms(due)), Member: member}).Err(); err != nil {
		return tori.ErasureRecord{}, formatError("begin erasure", err)
	}
	keys := []string{s.eraseKey(c.ID), s.clientHoldsKey(c.ID)}
	until := now.Add(tori.SweepAfter + tori.ErasureSlack)
	res, err := beginEraseScript.Run(ctx, s.Redis, keys, c.ChatID, ms(now), ms(until), ms(due)).StringSlice()
	switch {
	case err != nil:
		return tori.ErasureRecord{}, formatError("begin erasure", err)
	case len(res) == 2 && res[0] == "HOLDING":
		until, _ := strconv.ParseFloat(res[1], 64)
		s.Redis.ZRem(ctx, s.erasuresKey(), member) // best effort: the worker drops an entry without a record anyway
		return tori.ErasureRecord{Client: c.ID, Holding: fromMS(int64(until))}, nil
	case len(res) != len(erasureFields):
		return tori.ErasureRecord{}, formatError("begin erasure", errors.New("bad reply"))
	}
	return erasureOf(c.ID, res), nil
}

// erasureFields are an erasure record's fields, in the order erasureOf
// reads them (and beginEraseScript answers them).
var erasureFields = []string{"phase", "started", "chat", "therapists", "until", "due", "tell"}

// erasureOf reads an erasure record's fields (erasureFields).
func erasureOf(client int64, f []string) tori.ErasureRecord {
	num := func(i int) int64 { n, _ := strconv.ParseInt(f[i], 10, 64); return n }
	rec := tori.ErasureRecord{Client: client, Chat: num(2), Phase: tori.ErasurePhase(f[0]), Started: fromMS(num(1)),
		Until: fromMS(num(4)), Tell: f[6]}
	if d := num(5); d != 0 {
		rec.Due = fromMS(d)
	}
	if f[3] != "" {
		rec.Therapists = strings.Split(f[3], ",")
	}
	return rec
}

// Erasure implements tori.PrivacyStore.
func (s *Store) Erasure(ctx context.Context, clientID int64) (tori.ErasureRecord, error) {
	vs, err := s.Redis.HMGet(ctx, s.eraseKey(clientID), erasureFields...).Result()
	if err != nil {
		return tori.ErasureRecord{}, formatError("erasure", err)
	}
	f := make([]string, len(vs))
	for i, v := range vs {
		f[i], _ = v.(string)
	}
	if f[0] == "" {
		return tori.ErasureRecord{}, tori.Errorf(tori.ENOTFOUND, "No erasure is under way.")
	}
	return erasureOf(clientID, f), nil
}

// AdvanceErasure implements tori.PrivacyStore.
func (s *Store) AdvanceErasure(ctx context.Context, clientID int64, step tori.ErasureStep) error {
	told := ""
	if step.Told {
		told = "told"
	}
	code, _, err := s.runScript(ctx, "advance erasure", advanceEraseScript, []string{s.eraseKey(clientID)},
		string(step.From), string(step.To), strings.Join(step.Therapists, ","), ms(step.Due), ms(step.Until), step.Tell, told)
	if err != nil {
		return err
	}
	if code != "OK" {
		return tori.Errorf(tori.ECONFLICT, "The erasure changed meanwhile.")
	}
	return s.Enqueue(ctx, tori.QueueErasures, "", strconv.FormatInt(clientID, 10), step.Due)
}

// AbortErasure implements tori.PrivacyStore.
func (s *Store) AbortErasure(ctx context.Context, clientID int64) error {
	return s.endErasure(ctx, clientID, tori.ErasureChecking)
}

// FinishErasure implements tori.PrivacyStore.
func (s *Store) FinishErasure(ctx context.Context, clientID int64) error {
	return s.endErasure(ctx, clientID, tori.ErasureSweep)
}

// endErasure removes the record if it is in phase, then its queue entry.
func (s *Store) endErasure(ctx context.Context, clientID int64, phase tori.ErasurePhase) error {
	code, _, err := s.runScript(ctx, "end erasure", endEraseScript, []string{s.eraseKey(clientID)}, string(phase))
	if err != nil {
		return err
	}
	if code != "OK" {
		return tori.Errorf(tori.ECONFLICT, "The erasure changed meanwhile.")
	}
	return formatError("end erasure", s.Redis.ZRem(ctx, s.erasuresKey(), strconv.FormatInt(clientID, 10)).Err())
}

// EraseClient implements tori.PrivacyStore. Its steps, in an order that
// a crash midway cannot spoil (each finds what it needs in what the steps
// before it left): the @username index (found through the profile and
// the appointments, so first), the waitlist, the practice's record of them
// from before they used Telegram, relayed messages, the chat's state, the
// appointments, and last the client's own slot.
//
// A client's data lives in several slots: their own ({c:<id>}), each
// therapist's they booked with ({t:<id>}), the waitlist's ({wl}), and keys
// of their own (uname:, relay:, chat:). A cluster cannot change them all
// in one step, so erasure is a sequence of idempotent steps, each atomic
// in its slot, under a record in the client's slot that the worker
// finishes if a process dies midway (docs/ARCHITECTURE.md, "Erasure").
func (s *Store) EraseClient(ctx context.Context, clientID, chat int64, refundAttempts int, now time.Time) ([]string, error) {
	ids, err := s.Redis.ZRange(ctx, s.clientIndexKey(clientID), 0, -1).Result()
	if err != nil {
		return nil, formatError("erase: index", err)
	}

	if err := s.forgetUsernames(ctx, clientID, ids); err != nil {
		return nil, err
	}
	if err := s.eraseWaitlist(ctx, clientID); err != nil {
		return nil, err
	}
	if err := s.eraseAttachedRecord(ctx, clientID); err != nil {
		return nil, err
	}
	if err := s.eraseRelays(ctx, clientID, chat); err != nil {
		return nil, err
	}
	if err := s.Redis.Del(ctx, s.chatStateKey(chat)).Err(); err != nil {
		return nil, formatError("erase: chat", err)
	}

	// The appointments: each loses the client, unless something is under way.
	var left, gone []string
	for _, id := range ids {
		code, _, err := s.anonymise(ctx, id, "erase", clientID, refundAttempts, time.Time{}, now)
		if err != nil {
			return nil, err
		}
		if code == "BLOCKED" {
			left = append(left, id)
		} else {
			gone = append(gone, id)
		}
	}

	// The client's own slot last: the appointments were found through it.
	if _, err = s.forgetClient(ctx, clientID, chat, "erase", gone, now); err != nil {
		return left, err
	}
	return left, formatError("erase: activity", s.Redis.ZRem(ctx, s.clientsKey(), strconv.FormatInt(clientID, 10)).Err())
}

// forgetClient runs forgetClientScript; false when "idle" found the
// client busy.
func (s *Store) forgetClient(ctx context.Context, clientID, chat int64, mode string, drop []string, now time.Time) (bool, error) {
	if chat == 0 { // a client without Telegram has no chat: their relays key is in their own slot
		chat = clientID
	}
	keys := []string{s.profileKey(clientID), s.strikesKey(clientID), s.clientHoldsKey(clientID), s.clientRelaysKey(chat),
		s.clientIndexKey(clientID), s.eraseKey(clientID)}
	args := []any{mode, ms(now)}
	for _, id := range drop {
		args = append(args, id)
	}
	code, _, err := s.runScript(ctx, "forget client", forgetClientScript, keys, args...)
	return code == "OK", err
}

// forgetUsernames deletes the @username index entries that point to the
// client: every name their profile recorded, and the names their
// appointments and waitlist entries carry.
func (s *Store) forgetUsernames(ctx context.Context, clientID int64, ids []string) error {
	names := map[string]bool{}
	prof, err := s.Redis.HGetAll(ctx, s.profileKey(clientID)).Result()
	if err != nil {
		return formatError("erase: profile", err)
	}
	for k, v := range prof {
		if n, ok := strings.CutPrefix(k, usernameField); ok {
			names[n] = true
		} else if k == "username" && v != "" {
			names[strings.ToLower(v)] = true
		}
	}
	if err := s.appointmentUsernames(ctx, ids, names); err != nil {
		return err
	}
	entries, err := s.ClientWaitEntries(ctx, clientID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Client.Username != "" {
			names[strings.ToLower(e.Client.Username)] = true
		}
	}

	// Each name's entry goes only if it still points to this client.
	me := strconv.FormatInt(clientID, 10)
	for n := range names {
		if err := delIfScript.Run(ctx, s.Redis, []string{s.usernameKey(n)}, me).Err(); err != nil {
			return formatError("erase: username", err)
		}
	}
	return nil
}

// appointmentUsernames adds to names the @usernames appointments ids
// carry, read in one round trip.
func (s *Store) appointmentUsernames(ctx context.Context, ids []string, names map[string]bool) error {
	cmds := make([]*redis.StringCmd, len(ids))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			if tid, ok := tori.TherapistOfID(id); ok {
				cmds[i] = p.HGet(ctx, s.appointmentKey(tid, id), "username")
			}
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return formatError("erase: usernames", err)
	}
	for _, c := range cmds {
		if c != nil && c.Val() != "" {
			names[strings.ToLower(c.Val())] = true
		}
	}
	return nil
}

// eraseWaitlist takes every waitlist entry of the client off, with what
// they declined and their offer lock. (Freed times keep the entry ids they
// were offered to: random ids that lead nowhere once the entry is gone.)
func (s *Store) eraseWaitlist(ctx context.Context, clientID int64) error {
	c := clientPart(clientID)
	ids, err := s.Redis.SMembers(ctx, s.wlKey("c", c)).Result()
	if err != nil {
		return formatError("erase: waitlist", err)
	}
	_, err = s.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Del(ctx, s.wlKey("e", id), s.wlKey("dec", id))
			p.ZRem(ctx, s.wlKey("entries"), id)
			p.ZRem(ctx, s.queueKey(tori.QueueWaitEnd, ""), id)
		}
		p.Del(ctx, s.wlKey("c", c), s.wlKey("sig", c), s.wlKey("lock", c))
		return nil
	})
	return formatError("erase: waitlist", err)
}

// eraseRelays deletes the links from relayed messages to the client's
// chat, and their messages (and notices about them) waiting in the relay
// queue.
func (s *Store) eraseRelays(ctx context.Context, clientID, chat int64) error {
	links, err := s.Redis.SMembers(ctx, s.clientRelaysKey(chat)).Result()
	if err != nil {
		return formatError("erase: relays", err)
	}

	// The relay links that lead to this chat.
	want := strconv.FormatInt(chat, 10)
	for _, l := range links {
		admin, msg, ok := strings.Cut(l, ":")
		a, err1 := strconv.ParseInt(admin, 10, 64)
		m, err2 := strconv.Atoi(msg)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		if err := delIfScript.Run(ctx, s.Redis, []string{s.relayKey(a, m)}, want).Err(); err != nil {
			return formatError("erase: relay", err)
		}
	}

	// Their messages waiting for messaging hours.
	q := s.queueKey(tori.QueueRelay, "")
	members, err := s.Redis.ZRange(ctx, q, 0, -1).Result()
	if err != nil {
		return formatError("erase: relay queue", err)
	}
	var drop []any
	for _, m := range members {
		if concerns(m, clientID, chat) {
			drop = append(drop, m)
		}
	}
	if len(drop) > 0 {
		return formatError("erase: relay queue", s.Redis.ZRem(ctx, q, drop...).Err())
	}
	return nil
}

// concerns reports whether a relay-queue member is about the client: a
// message of theirs (tori.Relay), or a message to their chat or about
// them (the bot's queued notices carry "chat" and "about").
func concerns(member string, clientID, chat int64) bool {
	var m struct {
		Chat   int64 `json:"chat"`
		About  int64 `json:"about"`
		Client struct {
			ID     int64
			ChatID int64
		} `json:"client"`
	}
	if json.Unmarshal([]byte(member), &m) != nil {
		return false
	}
	return m.Chat == chat || m.About == clientID || m.Client.ID == clientID || m.Client.ChatID == chat
}

// anonymise runs anonymiseScript on appointment id; it returns the
// script's code and the client the appointment was of.
// refundAttempts is tori.Worker.RefundAttempts (erase).
func (s *Store) anonymise(ctx context.Context, id, mode string, clientID int64, refundAttempts int, cutoff, now time.Time) (string, int64, error) {
	tid, err := therapistOf(id)
	if err != nil {
		return "NOTFOUND", 0, nil // not an appointment id: nothing of it exists
	}
	if err := s.dropLapsedOrder(ctx, tid, id, now); err != nil {
		return "", 0, err
	}
	keys := []string{s.appointmentKey(tid, id), s.schedKey(tid), s.spanKey(tid), s.keptKey(tid), s.moneyKey(tid),
		s.holdExpiryKey(tid), s.remindKey(tid)}
	code, client, err := s.runScript(ctx, "anonymise", anonymiseScript, keys, id, mode, ms(now), ms(cutoff),
		tori.OrderLife.Milliseconds(), strconv.FormatInt(clientID, 10), refundAttempts)
	c, _ := strconv.ParseInt(client, 10, 64)
	return code, c, err
}

// dropLapsedOrder deletes the order index of appointment id, and its place
// among the open payments, when its order can no longer be paid and
// nothing was paid or booked under it: anonymiseScript deletes such an
// appointment (in another slot), and an index left behind would lead
// nowhere for good. It goes first, while the appointment still names it,
// so a crash in between leaves nothing behind.
func (s *Store) dropLapsedOrder(ctx context.Context, tid, id string, now time.Time) error {
	f, err := s.Redis.HMGet(ctx, s.appointmentKey(tid, id), "order_id", "pay_state", "paid", "remind_from", "hold_until").Result()
	if err != nil {
		return formatError("anonymise: order", err)
	}
	str := func(i int) string { v, _ := f[i].(string); return v }
	num := func(i int) int64 { n, _ := strconv.ParseInt(str(i), 10, 64); return n }
	order, ps := str(0), tori.PayState(str(1))
	lapsed := ps == tori.PayStateOrdered || ps == tori.PayStateDeclined || ps == tori.PayStateLost
	if order == "" || !lapsed || num(2) != 0 || num(3) != 0 || ms(now) < num(4)+tori.OrderLife.Milliseconds() {
		return nil
	}
	if err := delIfScript.Run(ctx, s.Redis, []string{s.orderKey(order)}, id).Err(); err != nil {
		return formatError("anonymise: order", err)
	}
	return formatError("anonymise: order", s.Redis.ZRem(ctx, s.openPaymentsKey(), id).Err())
}
