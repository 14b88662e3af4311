package tori

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// PrivacyPolicy is how long tori keeps what (privacy.* in tori.yaml).
type PrivacyPolicy struct {
	// KeepPersonal: an appointment's personal details (who, their notes)
	// are removed this long after it ended. Default 24 months.
	KeepPersonal Period
	// KeepMoney: what remains of an appointment that involved money (the
	// amounts, dates, PayPal ids), without the person, is removed this long
	// after its last money movement. Default 7 years.
	KeepMoney Period
	// WithholdNotes leaves the practice's notes out of a client's export
	// (it says how many there are, and to ask the practice).
	WithholdNotes bool
}

// DefaultPrivacyPolicy: personal details for 24 months, money records for
// 7 years, notes in the export.
func DefaultPrivacyPolicy() PrivacyPolicy {
	return PrivacyPolicy{KeepPersonal: Period{Months: 24}, KeepMoney: Period{Years: 7}}
}

// Validate checks the policy; the message names the field.
func (p PrivacyPolicy) Validate() error {
	switch {
	case p.KeepPersonal.approx() < 1:
		return Errorf(EINVALID, "privacy.keep_personal must be at least a day, such as \"24 months\"")
	case p.KeepMoney.Shorter(p.KeepPersonal):
		return Errorf(EINVALID, "privacy.keep_money_records (%s) is shorter than privacy.keep_personal (%s): money records outlive personal details, so make it at least as long", p.KeepMoney, p.KeepPersonal)
	case p.KeepMoney.approx() > 20*365:
		return Errorf(EINVALID, "privacy.keep_money_records (%s) is more than 20 years: write the period your bookkeeping law asks for, such as \"7 years\"", p.KeepMoney)
	}
	return nil
}

// withDefaults fills in an unset policy (a practice built without one).
func (p PrivacyPolicy) withDefaults() PrivacyPolicy {
	d := DefaultPrivacyPolicy()
	if p.KeepPersonal.IsZero() {
		p.KeepPersonal = d.KeepPersonal
	}
	if p.KeepMoney.IsZero() {
		p.KeepMoney = d.KeepMoney
	}
	return p
}

// OrderLife is how long after its hold ends a PayPal order the buyer did
// not approve can still be paid (PayPal lets a buyer approve for about
// three hours); the worker watches it that long.
const OrderLife = 3 * time.Hour

// QueueErasures holds the erasures under way, by when the worker next
// looks at each (one queue for the practice; members are client ids).
const QueueErasures Queue = "erase"

// ErasurePhase is how far a client's erasure got.
type ErasurePhase string

// Erasure phases. Checking: the client asked; nothing is erased yet, and no
// hold can be made in their name. Erasing: the check passed (the point of
// no return). Sweep: the data is gone; the worker looks once more after
// SweepAfter (a step in flight when the erasure ran may have written
// something back) and then removes the record.
const (
	ErasureChecking ErasurePhase = "checking"
	ErasureErasing  ErasurePhase = "erasing"
	ErasureSweep    ErasurePhase = "sweep"
)

// SweepAfter is how long after an erasure the worker sweeps once more: longer
// than any lease a step of the worker or the bot holds (2 minutes).
const SweepAfter = 5 * time.Minute

// ErasureSlack is how long after a step of an erasure is due the worker
// has done it (its erasures job runs every 30 seconds): what the client
// is promised is a step's due time and this.
const ErasureSlack = time.Minute

// ErasureRecord is an erasure under way: kept in the client's own keys, so
// that a crash midway is finished by the worker, and removed at the end.
type ErasureRecord struct {
	Client     int64
	Chat       int64
	Phase      ErasurePhase
	Started    time.Time
	Therapists []string // the therapists to tell
	// Until is the promise to the client: no hold in their name before it,
	// and they can book again from it. It is never moved earlier, and is
	// moved on while work remains.
	Until time.Time
	// Due is when the worker looks next (in phase sweep: when the sweep is due).
	Due time.Time
	// Tell is the client's language when the worker tells them, once it is
	// done, that it is (an erasure that had to wait, or whose process
	// died); "" when they were told when they asked.
	Tell string
	// Holding, when set, is the end of a time the client holds: no
	// erasure was recorded (BeginErasure).
	Holding time.Time
}

// ErasureStep moves an erasure from one phase to the next or, when From
// is To, has the worker look at it again later (work remains).
type ErasureStep struct {
	From, To   ErasurePhase
	Therapists []string  // the therapists to tell
	Due        time.Time // when the worker looks next
	Until      time.Time // the promise; the record keeps the later of this and its own
	Tell       string    // the client's language, for the worker to tell them in the end ("" leaves it)
	Told       bool      // the client is told now: the worker tells nobody
}

// ErasureTeller tells a client whose erasure had to wait that it is done
// (in rec.Tell's language, at rec.Chat), and the therapists of
// rec.Therapists that a client erased their data. EFORBIDDEN: the
// client's chat cannot be written to; any other error is worth a retry.
type ErasureTeller interface {
	ErasureDone(ctx context.Context, rec ErasureRecord) error
}

// ErasingError is the answer to a hold in the name of a client whose data
// is being erased: they can book again from Until. Its code is ELIMIT (the
// client may hold nothing now), so a waitlist offer passes them by.
type ErasingError struct{ Until time.Time }

func (e *ErasingError) Error() string {
	return fmt.Sprintf("tori: the client's data is being erased until %s", e.Until.Format(time.RFC3339))
}

// Unwrap gives the error's code and message.
func (e *ErasingError) Unwrap() error {
	return Errorf(ELIMIT, "Your data is being erased. You can book again from %s.", e.Until.Format(time.RFC3339))
}

// BlockReason is why a client's data cannot be erased now.
type BlockReason string

// Reasons an erasure waits; each says what the client can do.
const (
	BlockUpcoming  BlockReason = "upcoming"  // a booked session that has not ended: cancel it first
	BlockHolding   BlockReason = "holding"   // a time held for them: confirm it or let it go
	BlockPaying    BlockReason = "paying"    // a payment not settled: wait until Until, or for PayPal (told)
	BlockRefunding BlockReason = "refunding" // a refund on its way: wait for it
)

// ErasureBlock is one appointment that keeps an erasure from happening now.
type ErasureBlock struct {
	Appointment Appointment
	Reason      BlockReason
	Until       time.Time // when it has settled at the latest, when that is known (a hold's end, an order's life)
}

// RefundHandedOver reports whether a's pending refund is the practice's
// to make by hand: part of it came back at PayPal another way, or tori
// used its attempts (attempts is Worker.RefundAttempts; 0, no limit).
// tori moves that money no more, so it does not hold up an erasure.
func (a Appointment) RefundHandedOver(attempts int) bool {
	return a.RefundByHand || attempts > 0 && a.RefundTries >= attempts
}

// ErasureBlockOf says whether a keeps its client's data from being erased
// at now: money in flight (a capture started or pending at PayPal, an
// order PayPal could still take, a refund tori still tries), a session
// ahead, a time held. A settled payment does not, though the worker may
// not have told of it yet. refundAttempts: Worker.RefundAttempts.
// storage's anonymising script checks the same, atomically, again.
func ErasureBlockOf(a Appointment, refundAttempts int, now time.Time) (ErasureBlock, bool) {
	b := ErasureBlock{Appointment: a}
	switch {
	case a.Status == StatusConfirmed && now.Before(a.End):
		b.Reason = BlockUpcoming
	case atPayPal(a.PayState):
		b.Reason = BlockPaying // settles when PayPal says so: the client is told
	case a.RefundState == RefundPending && !a.RefundHandedOver(refundAttempts):
		b.Reason = BlockRefunding // tori is still trying it: the client is told
	case a.Status == StatusHeld && now.Before(a.HoldUntil):
		b.Reason, b.Until = BlockHolding, a.HoldUntil
	case a.OrderID != "" && (a.PayState == PayStateOrdered || a.PayState == PayStateDeclined) && now.Before(a.HoldUntil.Add(OrderLife)):
		b.Reason, b.Until = BlockPaying, a.HoldUntil.Add(OrderLife) // lapses then, unless paid (then another block)
	default:
		return ErasureBlock{}, false
	}
	return b, true
}

// atPayPal reports whether a payment in state p waits for PayPal to say
// how its capture ended.
func atPayPal(p PayState) bool {
	return p == PayStateCapturing || p == PayStatePending || p == PayStateMismatchPending
}

// Erasure is the outcome of a client's request to erase their data.
type Erasure struct {
	// Blocked lists what keeps it from happening now; nothing was erased.
	Blocked []ErasureBlock
	// Done: their data is erased. Again: it was erased before this request
	// (a second tap); nobody is told twice.
	Done, Again bool
	// Waiting: what could go has gone, and appointments that changed since
	// the check wait; the worker finishes and tells them, and the
	// therapists, when it is done.
	Waiting bool
	// Therapists are the therapists of their bookings, to be told (Done).
	Therapists []string
	// Until is when the client can book again (the worker's last sweep).
	Until time.Time
}

// PrivacyStore is what the privacy use cases need of storage;
// storage.Store satisfies it. Errors are EINTERNAL unless said otherwise.
type PrivacyStore interface {
	// ClientRecord returns everything stored about the client (chat is
	// their private chat with the bot).
	ClientRecord(ctx context.Context, clientID, chat int64) (ClientRecord, error)
	// BeginErasure records that the client asked for erasure (phase
	// checking, due to the worker at due), or returns the erasure under
	// way as it is. From then on, until FinishErasure, no hold can be made
	// in the client's name (ErasingError). A client who holds a time gets
	// a record with only Holding set, and nothing is recorded.
	BeginErasure(ctx context.Context, c Client, due, now time.Time) (ErasureRecord, error)
	// Erasure returns the client's erasure under way; ENOTFOUND if none.
	Erasure(ctx context.Context, clientID int64) (ErasureRecord, error)
	// AdvanceErasure takes an erasure a step (a compare-and-set:
	// ECONFLICT when it is in neither step.From nor step.To) and makes it
	// due to the worker at step.Due.
	AdvanceErasure(ctx context.Context, clientID int64, step ErasureStep) error
	// AbortErasure drops an erasure that is still being checked.
	AbortErasure(ctx context.Context, clientID int64) error
	// EraseClient erases everything stored about the client except the
	// erasure record, and anonymises their appointments (money records
	// kept); every step is idempotent. left are the appointments it could
	// not anonymise now (their state blocks it, see ErasureBlockOf, with
	// refundAttempts).
	EraseClient(ctx context.Context, clientID, chat int64, refundAttempts int, now time.Time) (left []string, err error)
	// FinishErasure removes the erasure record and its queue entry.
	FinishErasure(ctx context.Context, clientID int64) error

	// KeptBefore returns up to n of the therapist's appointments that
	// still carry personal details and ended before cutoff.
	KeptBefore(ctx context.Context, therapistID string, cutoff time.Time, n int) ([]string, error)
	// Anonymise removes the personal details of appointment id if it ended
	// before cutoff, keeping its money record (or nothing, when it has
	// none); done is false when another worker did it first or it ends
	// later now (a move).
	Anonymise(ctx context.Context, id string, cutoff, now time.Time) (done bool, err error)
	// MoneyBefore returns up to n of the therapist's anonymised money
	// records whose last money movement was before cutoff.
	MoneyBefore(ctx context.Context, therapistID string, cutoff time.Time, n int) ([]string, error)
	// RemoveMoneyRecord removes what remains of appointment id, if its
	// last money movement was before cutoff; done as Anonymise.
	RemoveMoneyRecord(ctx context.Context, id string, cutoff time.Time) (done bool, err error)
	// BackfillKept puts the appointments stored before retention existed
	// where KeptBefore finds them, once; it returns how many.
	BackfillKept(ctx context.Context) (int, error)

	// IdleClients returns up to n clients whose last activity (a hold,
	// joining the waitlist, choosing a language) was before cutoff.
	IdleClients(ctx context.Context, cutoff time.Time, n int) ([]int64, error)
	// ForgetIdle forgets a client idle since before cutoff who has nothing
	// kept (no appointment kept with their details, no live hold, no running waitlist
	// entry, no erasure under way): profile, strikes, @username index,
	// stale index entries, ended waitlist entries. done is false when they
	// have something kept (they are looked at again after a period) or
	// were active meanwhile.
	ForgetIdle(ctx context.Context, clientID int64, cutoff, now time.Time) (done bool, err error)
	// BackfillClients records every client stored before IdleClients
	// existed as active at now, once; it returns how many.
	BackfillClients(ctx context.Context, now time.Time) (int, error)
	// ForgetsUnderWay returns up to n clients whose forgetting (ForgetIdle,
	// or Anonymise of their last appointment) began and did not end: its
	// process died, or Redis failed it.
	ForgetsUnderWay(ctx context.Context, n int) ([]int64, error)
	// FinishForget finishes such a forgetting: done as ForgetIdle (false
	// when the client has something kept now).
	FinishForget(ctx context.Context, clientID int64, now time.Time) (done bool, err error)
}

// Privacy holds the privacy use cases: a client may see everything tori
// keeps about them (Export) and have it erased (Erase); the worker ages
// everyone's personal details out (Retain). docs/PRIVACY.md says what is
// kept where, and why.
type Privacy struct {
	Practice *Practice
	Store    PrivacyStore
	Now      func() time.Time
	Log      *slog.Logger
	Events   Events // counts "privacy" exported, erased, refused, anonymised, removed, forgotten
	// Teller tells the client of an erasure that had to wait when the
	// worker has done it (ContinueErasure); nil tells nobody.
	Teller ErasureTeller
}

func (p *Privacy) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p *Privacy) count(outcome string, n int) {
	for range n {
		if p.Events != nil {
			p.Events.Count("privacy", outcome)
		}
	}
}

// Policy is the practice's privacy policy, with defaults filled in.
func (p *Privacy) Policy() PrivacyPolicy { return p.Practice.Privacy.withDefaults() }

// Record returns everything stored about the client.
func (p *Privacy) Record(ctx context.Context, c Client) (ClientRecord, error) {
	return p.Store.ClientRecord(ctx, c.ID, c.ChatID)
}

// Export is Record for a copy the client takes away (counted).
func (p *Privacy) Export(ctx context.Context, c Client) (ClientRecord, error) {
	r, err := p.Record(ctx, c)
	if err == nil {
		p.count("exported", 1)
	}
	return r, err
}

// Erase erases the client's data, unless something they have under way
// keeps it from happening now (Erasure.Blocked, and nothing is erased).
// Money records the law requires are kept without the person. A request
// that finds an erasure under way (a crash midway, a second tap) carries
// it on.
func (p *Privacy) Erase(ctx context.Context, c Client) (Erasure, error) {
	now := p.now()
	rec, err := p.Store.BeginErasure(ctx, c, now.Add(2*time.Minute), now)
	if err != nil {
		return Erasure{}, err
	}

	if !rec.Holding.IsZero() { // nothing recorded: say what the holds are
		blocks, _, err := p.check(ctx, c, now)
		if len(blocks) == 0 {
			blocks = []ErasureBlock{{Reason: BlockHolding, Until: rec.Holding}}
		}
		p.count("refused", 1)
		return Erasure{Blocked: blocks}, err
	}
	if rec.Phase == ErasureSweep {
		return Erasure{Done: true, Again: true, Until: rec.Until}, nil
	}

	// A new erasure checks that nothing is under way, then erases. Until
	// the client is told, the worker is to tell them (Tell).
	if rec.Phase == ErasureChecking {
		blocks, therapists, err := p.check(ctx, c, now)
		if err != nil || len(blocks) > 0 {
			if aerr := p.Store.AbortErasure(ctx, c.ID); aerr != nil && err == nil {
				err = aerr
			}
			p.count("refused", 1)
			return Erasure{Blocked: blocks}, err
		}
		tell := c.Lang
		if tell == "" {
			tell = p.Practice.Language
		}
		step := ErasureStep{From: ErasureChecking, To: ErasureErasing, Therapists: therapists,
			Due: now.Add(2 * time.Minute), Until: now.Add(SweepAfter + ErasureSlack), Tell: tell}
		if err := p.Store.AdvanceErasure(ctx, c.ID, step); err != nil {
			return Erasure{}, err
		}
		rec.Phase, rec.Therapists, rec.Until = ErasureErasing, therapists, later(rec.Until, step.Until)
	}
	return p.erase(ctx, rec, now)
}

// check reads the client's appointments: what blocks the erasure, and the
// therapists they booked with.
func (p *Privacy) check(ctx context.Context, c Client, now time.Time) ([]ErasureBlock, []string, error) {
	r, err := p.Store.ClientRecord(ctx, c.ID, c.ChatID)
	if err != nil {
		return nil, nil, err
	}
	var blocks []ErasureBlock
	var therapists []string
	for _, a := range r.Appointments {
		if b, ok := ErasureBlockOf(a, p.Practice.Worker.RefundAttempts, now); ok {
			blocks = append(blocks, b)
		}
		if a.Booked() && !slices.Contains(therapists, a.TherapistID) {
			therapists = append(therapists, a.TherapistID)
		}
	}
	return blocks, therapists, nil
}
