package tori

import (
	"context"
	"time"
)

// PracticeStore keeps what the practice manages; storage.Store satisfies it.
type PracticeStore interface {
	// TherapistAppointments returns the therapist's live appointments that
	// start in [from, to), in time order.
	TherapistAppointments(ctx context.Context, therapistID string, from, to time.Time) ([]Appointment, error)
	// AddBlock makes [start, end) busy; RemoveBlock frees it; Blocks lists
	// those ending after from.
	AddBlock(ctx context.Context, therapistID string, start, end time.Time) (Block, error)
	RemoveBlock(ctx context.Context, therapistID, id string) error
	Blocks(ctx context.Context, therapistID string, from time.Time) ([]Block, error)
	// SetNote sets the private note; a note kept that cannot be read here
	// (NoteLocked) is replaced only with replaceLocked, else ECONFLICT.
	// MarkCompleted records a session that took place (ECONFLICT if it is
	// not confirmed).
	SetNote(ctx context.Context, id, note string, replaceLocked bool, now time.Time) (Appointment, error)
	MarkCompleted(ctx context.Context, id string, now time.Time) (Appointment, error)
	// Prepay and SetPrepay read and record what the practice decided
	// about a client's prepayment (PrepayExempt, PrepayRequired or "").
	Prepay(ctx context.Context, clientID int64) (string, error)
	SetPrepay(ctx context.Context, clientID int64, mode string) error
	// RememberClient keeps a client's name and @username; ClientByUsername
	// finds them (ENOTFOUND).
	RememberClient(ctx context.Context, c Client, now time.Time) error
	ClientByUsername(ctx context.Context, username string) (int64, error)
}

// Day returns the appointments of the therapists that start on day (in the
// practice's time zone), in time order: bookings, completed and missed
// sessions (holds and cancellations are left out).
func (b *Bookings) Day(ctx context.Context, therapistIDs []string, day Date) ([]Appointment, error) {
	loc := b.Practice.Location
	var out []Appointment
	for _, tid := range therapistIDs {
		as, err := b.Store.TherapistAppointments(ctx, tid, day.In(loc), day.AddDays(1).In(loc))
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			switch a.Status {
			case StatusConfirmed, StatusCompleted, StatusNoShow:
				out = append(out, a)
			}
		}
	}

	sortByStart(out)
	return out, nil
}

// Complete records that a session took place (once it has started).
func (b *Bookings) Complete(ctx context.Context, id string) (Appointment, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil {
		return Appointment{}, err
	}
	if a.Status != StatusCompleted {
		if check := a; check.Complete(b.now()) != nil {
			return Appointment{}, Errorf(ECONFLICT, "This booking is %s, or has not started yet; it cannot be marked as completed.", a.Status)
		}
	}

	done, err := b.Store.MarkCompleted(ctx, id, b.now())
	if err == nil && a.Status != StatusCompleted {
		b.Count("booking", "completed")
	}
	return done, err
}

// SetNote sets the practice's private note on an appointment. A note kept
// there that this server cannot read (NoteLocked: under a key it does not
// have) is left as it is: ECONFLICT.
func (b *Bookings) SetNote(ctx context.Context, id, note string) (Appointment, error) {
	return b.setNote(ctx, id, note, false)
}

// ReplaceLockedNote is SetNote that also replaces a note this server
// cannot read, once the practice has said it may go for good.
func (b *Bookings) ReplaceLockedNote(ctx context.Context, id, note string) (Appointment, error) {
	return b.setNote(ctx, id, note, true)
}

func (b *Bookings) setNote(ctx context.Context, id, note string, replaceLocked bool) (Appointment, error) {
	if len([]rune(note)) > 2000 {
		return Appointment{}, Errorf(EINVALID, "A note can be up to 2,000 characters long.")
	}
	return b.Store.SetNote(ctx, id, note, replaceLocked, b.now())
}

// Overlapping returns the bookings (and live holds) of a therapist that
// overlap [start, end) and have not started yet, in time order. Sessions
// already under way or over are left as they are.
func (b *Bookings) Overlapping(ctx context.Context, therapistID string, start, end time.Time) ([]Appointment, error) {
	// Sessions start at most 12 hours before the range and still overlap it.
	as, err := b.Store.TherapistAppointments(ctx, therapistID, start.Add(-12*time.Hour-4*time.Hour), end)
	if err != nil {
		return nil, err
	}

	now := b.now()
	var out []Appointment
	for _, a := range as {
		if a.Live(now) && a.Overlaps(start, end) && now.Before(a.Start) && a.Status != StatusCompleted && a.Status != StatusNoShow {
			out = append(out, a)
		}
	}
	return out, nil
}

// Unblock gives time off back: the time is free at once, and offered to
// the waitlist. Removing a block that is gone is not an error.
func (b *Bookings) Unblock(ctx context.Context, therapistID, id string) error {
	bs, err := b.Store.Blocks(ctx, therapistID, b.now())
	if err != nil {
		return err
	}
	if err := b.Store.RemoveBlock(ctx, therapistID, id); err != nil {
		return err
	}

	// The block's time, free again, goes to the waitlist.
	for _, bl := range bs {
		if bl.ID == id {
			b.afterFreeing("unblock", b.freed(ctx, bl.ID+"@"+bl.Start.UTC().Format(time.RFC3339), therapistID, bl.Start, bl.End))
		}
	}
	return nil
}

// Block makes [start, end) time off for the therapist, at once. Bookings
// and holds already there stay; the caller decides what to do with them
// (see Overlapping, CancelByPractice).
func (b *Bookings) Block(ctx context.Context, therapistID string, start, end time.Time) (Block, error) {
	if !start.Before(end) {
		return Block{}, Errorf(EINVALID, "A block must end after it starts.")
	}
	if end.Sub(start) > 366*24*time.Hour {
		return Block{}, Errorf(EINVALID, "A block can be up to a year long.")
	}
	return b.Store.AddBlock(ctx, therapistID, start, end)
}
