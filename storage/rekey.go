package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/tori-bot/tori"
)

// RekeyReport counts what Rekey found, note by note.
type RekeyReport struct {
	Sealed  int // plain-text notes, now sealed under the current key
	Rotated int // notes under an older key, now under the current one
	Current int // notes already under the current key
	Locked  int // notes no key here opens: left as they are
}

// noteSwapScript replaces a note's stored form if it is still the one that
// was read (a compare-and-set: a note written meanwhile is never lost).
// Nothing in it is dated, so it takes no time.
//
// KEYS[1] the appointment's hash
// ARGV[1] the stored note that was read  ARGV[2] its new stored form
// Returns {"OK"} (also when ARGV[2] is there already: a retry) | {"CHANGED"}.
var noteSwapScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'note')
if cur == ARGV[2] then return {'OK'} end
if cur ~= ARGV[1] then return {'CHANGED'} end
redis.call('HSET', KEYS[1], 'note', ARGV[2])
return {'OK'}
`)

// rekeyBatch is how many appointments Rekey reads in one round trip.
const rekeyBatch = 200

// Rekey seals every note under the current key: plain-text notes from
// before a key was set and notes under an older key alike. Each note is
// swapped by compare-and-set, so it runs beside live traffic, and running
// it again changes nothing more. Notes no key here opens are counted and
// left alone.
func (s *Store) Rekey(ctx context.Context) (RekeyReport, error) {
	if s.Keys == nil {
		return RekeyReport{}, errors.New("rekey: no data key")
	}

	var mu sync.Mutex
	var rep RekeyReport
	glob := s.appointmentGlob()

	// each seals the notes of one server's appointments, a batch at a time.
	each := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.ScanType(ctx, 0, glob, rekeyBatch, "hash").Iterator()
		var keys []string
		flush := func() error {
			got, err := s.rekeyKeys(ctx, keys)
			mu.Lock()
			rep.Sealed, rep.Rotated, rep.Current, rep.Locked = rep.Sealed+got.Sealed, rep.Rotated+got.Rotated, rep.Current+got.Current, rep.Locked+got.Locked
			mu.Unlock()
			keys = keys[:0]
			return err
		}

		for iter.Next(ctx) {
			if keys = append(keys, iter.Val()); len(keys) == rekeyBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}

		if err := iter.Err(); err != nil {
			return formatError("rekey: scan", err)
		}
		return flush()
	}

	// On a cluster, on every master.
	if cc, ok := s.Redis.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return each(ctx, c) })
		return rep, err
	}
	return rep, each(ctx, s.Redis)
}

// rekeyKeys rekeys the notes of the appointment hashes at keys.
func (s *Store) rekeyKeys(ctx context.Context, keys []string) (RekeyReport, error) {
	var rep RekeyReport
	if len(keys) == 0 {
		return rep, nil
	}

	// The batch's notes, in one round trip.
	cmds := make([]*redis.SliceCmd, len(keys))
	if _, err := s.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, k, "id", "note")
		}
		return nil
	}); err != nil {
		return rep, formatError("rekey: read", err)
	}

	for i, c := range cmds {
		v := c.Val()
		id, _ := v[0].(string)
		stored, _ := v[1].(string)
		if id == "" || stored == "" {
			continue
		}
		if err := s.rekeyNote(ctx, keys[i], id, stored, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// rekeyNote swaps one note to the current key, reading it again when it
// changed between the read and the swap.
func (s *Store) rekeyNote(ctx context.Context, key, id, stored string, rep *RekeyReport) error {
	for try := 0; try < 5; try++ {
		next, count := s.Keys.rekeyed(id, stored, rep)
		if next == "" {
			*count++
			return nil
		}

		code, _, err := s.runScript(ctx, "rekey", noteSwapScript, []string{key}, stored, next)
		if err != nil {
			return err
		}
		if code == "OK" {
			*count++
			return nil
		}

		// Changed meanwhile: read it again.
		stored, err = s.Redis.HGet(ctx, key, "note").Result()
		if errors.Is(err, redis.Nil) || err == nil && stored == "" {
			return nil // the appointment or its note went meanwhile
		}
		if err != nil {
			return formatError("rekey: read", err)
		}
	}
	return tori.Errorf(tori.EUNAVAILABLE, "rekey: the note of %s kept changing; run tori rekey again", id)
}

// rekeyed is a stored note's form under the current key ("" when it is to
// stay as it is) and the count of rep it goes to.
func (k *Keyring) rekeyed(id, stored string, rep *RekeyReport) (string, *int) {
	kid, _, sealed := parseEnvelope(stored)
	if !sealed {
		return k.sealNote(id, stored), &rep.Sealed
	}

	note, locked := k.openNote(id, stored)
	switch {
	case locked:
		return "", &rep.Locked
	case kid == k.current.id:
		return "", &rep.Current
	}
	return k.sealNote(id, note), &rep.Rotated
}

// String is the report in one line, for an operator.
func (r RekeyReport) String() string {
	return fmt.Sprintf("%d sealed from plain text, %d moved from an older key, %d already under the current key, %d no key here opens",
		r.Sealed, r.Rotated, r.Current, r.Locked)
}
