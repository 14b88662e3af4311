package tori

import (
	"context"
	"time"
)

// Order is a payment order at the provider (PayPal Orders v2).
type Order struct {
	ID         string
	Status     string // CREATED, APPROVED, COMPLETED, …
	ApproveURL string
	Capture    *Capture // the order's capture, once there is one
}

// Capture is money taken for an order.
type Capture struct {
	ID     string
	Status string // COMPLETED, PENDING, DECLINED, …
	Amount Money
}

// Refund is money given back from a capture.
type Refund struct {
	ID     string
	Status string // COMPLETED, PENDING, …
	Amount Money
	// Total is what the capture has had refunded to date, this refund
	// included, when the provider says (PayPal's refund event carries
	// it); zero when it does not.
	Total Money
}

// PaymentGateway is what the use cases need of a payment provider;
// payments.PayPal satisfies it. Every call is idempotent per appointment:
// a retry, or a second process, never creates, captures or refunds twice.
type PaymentGateway interface {
	// CreateOrder creates an order of amount for appointment a, or returns
	// the one created before for a. EUNAVAILABLE when the provider did not answer.
	CreateOrder(ctx context.Context, a Appointment, amount Money) (Order, error)
	// Capture captures a's approved order. EDECLINED: the buyer's payment
	// was declined and they may approve again; ENOTFOUND; EUNAVAILABLE: the
	// outcome is unknown, try again (the same capture is returned).
	Capture(ctx context.Context, a Appointment) (Capture, error)
	// Order looks an order up.
	Order(ctx context.Context, orderID string) (Order, error)
	// Refund gives amount of a's capture back. EUNAVAILABLE, or EDECLINED
	// when the provider refused it; both leave the refund to retry.
	Refund(ctx context.Context, a Appointment, amount Money) (Refund, error)
}

// PaymentStore keeps the money side of appointments. storage.Store
// satisfies it. Every method is a compare-and-set; "fresh" results say
// whether this call made the change (so that people are told once).
type PaymentStore interface {
	// AttachOrder records the hold's order (token must match, the hold must
	// be live): the order's id, approve URL and the message with the pay button.
	AttachOrder(ctx context.Context, id, token string, o Order, msg int, now time.Time) (Appointment, error)
	// AppointmentByOrder and AppointmentByCapture find an appointment; ENOTFOUND.
	AppointmentByOrder(ctx context.Context, orderID string) (Appointment, error)
	AppointmentByCapture(ctx context.Context, captureID string) (Appointment, error)
	// BeginCapture records the intent to capture: the hold must still be
	// live, or its time still free, and is then held until until. When the
	// time was taken it records PayStateLost and returns ECONFLICT the first
	// time, then the appointment as it is. An appointment already paid, or
	// being captured, is returned as it is (captures are idempotent).
	BeginCapture(ctx context.Context, id, token string, until, now time.Time) (Appointment, error)
	// SetPayState records a declined, pending or lost capture; changed is
	// false when it was so already (nobody is told twice).
	SetPayState(ctx context.Context, id string, state PayState, now time.Time) (a Appointment, changed bool, err error)
	// ConfirmPaid records a completed capture of held's payment. A capture
	// of exactly the due amount and currency confirms the booking if its
	// time is still its own; otherwise it marks it expired with a full
	// refund pending. A capture of any other amount or currency (compared
	// in the same atomic step with the due the store holds) is never a
	// confirmation: it is recorded as PayStateMismatch, the appointment
	// ends with a refund of exactly what was captured pending, and if its
	// time is still its own, next (a new hold of it, see successor) takes
	// it over. fresh is true for the call that made the change (also when
	// the same call's script ran twice: a retry after a lost reply).
	ConfirmPaid(ctx context.Context, held Appointment, c Capture, next Appointment, now time.Time) (a Appointment, fresh bool, err error)
	// PendingMismatch records a capture the provider accepted but has not
	// completed, of another amount or currency than held is due: the hold
	// ends at once (its time is freed) and the capture is kept, so that
	// ConfirmPaid of its completion refunds it and a denial ends it
	// (PayStateMismatchPending). fresh is true for the call that made the
	// change.
	PendingMismatch(ctx context.Context, held Appointment, c Capture, now time.Time) (a Appointment, fresh bool, err error)
	// CancelWithRefund cancels a confirmed booking (status is the
	// cancellation) and records the refund due, pending. ECONFLICT when it is
	// no longer confirmed; fresh is false when it was cancelled already.
	CancelWithRefund(ctx context.Context, id string, status Status, refund Money, forgiven bool, now time.Time) (a Appointment, fresh bool, err error)
	// RefundDone moves a pending refund to refunded; fresh as above.
	RefundDone(ctx context.Context, id string, r Refund, now time.Time) (a Appointment, fresh bool, err error)
	// RefundReported records a refund the provider reported (made by tori,
	// or by hand at PayPal) against a pending refund: RefundSettledNow
	// when what the capture has had back (this refund with those
	// reported before, or the provider's total) covers the refund due;
	// RefundShort when it does not (the rest is then handed to the
	// practice: tori asks the provider no more), once for each amount that
	// came back; RefundIgnored when no refund was pending, or when what
	// came back was reported and told before (the same refund reported
	// again, under another event id).
	RefundReported(ctx context.Context, id string, r Refund, now time.Time) (Appointment, RefundOutcome, error)
	// RefundFailed counts a failed attempt (refused: PayPal said no, so no
	// money moved) and when it was made; the refund stays pending. It is a
	// compare-and-set on tries, the attempts counted before this one, so
	// that two callers failing one attempt at once count it once.
	RefundFailed(ctx context.Context, id string, tries int, refused bool, now time.Time) (Appointment, error)
	// MarkNoShow moves a confirmed booking to no_show.
	MarkNoShow(ctx context.Context, id string, now time.Time) (Appointment, error)
	// ClaimTelling claims, for lease and under token, the telling of a
	// settled payment (the client's confirmation, the therapist's notice):
	// TellBusy when another caller is at it, TellDone when it was told (or
	// was settled before telling was recorded). The payment stays among the
	// open ones (the worker's reconciliation) until Told.
	ClaimTelling(ctx context.Context, id, token string, lease time.Duration) (TellClaim, error)
	// Told records that the payment's messages went out, and writes with
	// (notices still to send, queued for the worker) first, in the same
	// round trip; ToldFailed gives the claim back for another caller (only
	// the token's holder can).
	Told(ctx context.Context, id, token string, with ...Queued) error
	ToldFailed(ctx context.Context, id, token string) error
}

// ClientRecords keeps what the policy remembers of a client.
type ClientRecords interface {
	// Strikes counts the client's late cancellations and no-shows since since.
	Strikes(ctx context.Context, clientID int64, since time.Time) (int, error)
	// AddStrike records one (once per appointment).
	AddStrike(ctx context.Context, clientID int64, apptID string, at time.Time) error
	// Forgiveness returns the appointment whose late cancellation was
	// forgiven, or "".
	Forgiveness(ctx context.Context, clientID int64) (string, error)
	// ClaimForgiveness gives the one-time forgiveness to apptID; false when
	// another appointment had it.
	ClaimForgiveness(ctx context.Context, clientID int64, apptID string) (bool, error)
}

// Store is everything the use cases keep.
type Store interface {
	AppointmentStore
	PaymentStore
	ClientRecords
	PracticeStore
	WaitlistStore
	SeriesStore
}

// RefundBackoff is the pause after the n-th failed attempt at a refund:
// 1, 2, 4 … minutes, at most 6 hours.
func RefundBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// captureGrace is how long a hold is kept while its payment is captured.
const captureGrace = 10 * time.Minute

// mustPrepay reports whether the client must prepay in full because of
// repeated late cancellations or no-shows, and how many there were.
func (b *Bookings) mustPrepay(ctx context.Context, c Client) (bool, int, error) {
	p := b.Practice.Policy
	if p.RepeatCount == 0 {
		return false, 0, nil
	}
	n, err := b.Store.Strikes(ctx, c.ID, b.now().Add(-p.RepeatWithin))
	return n >= p.RepeatCount, n, err
}

// StartPayment creates (or finds) the order for the client's hold of a paid
// booking and records it with the message that carries the pay button.
// The hold is renewed first if it ran out and its time is still free.
func (b *Bookings) StartPayment(ctx context.Context, c Client, holdID string, msg int) (Appointment, error) {
	h, err := b.Own(ctx, c, holdID)
	if err != nil {
		return Appointment{}, err
	}
	return b.StartPaymentOf(ctx, c, h, msg)
}

// StartPaymentOf is StartPayment of a hold the caller has just read (with
// Own): one read less. Whatever changed since is found by the steps that
// write, which check the hold in Redis.
func (b *Bookings) StartPaymentOf(ctx context.Context, c Client, h Appointment, msg int) (Appointment, error) {
	if h.Client.ID != c.ID {
		return Appointment{}, Errorf(ENOTFOUND, "That booking was not found. Open your bookings to see them all.")
	}
	if h.Status == StatusConfirmed {
		return h, nil
	}
	err := b.payable(h)
	if err != nil {
		return Appointment{}, err
	}

	if h.Status == StatusExpired || !b.now().Before(h.HoldUntil) {
		if h, err = b.renew(ctx, h); err != nil {
			return Appointment{}, err
		}
	}

	if b.Payments == nil {
		return Appointment{}, Errorf(EUNAVAILABLE, "Online payment is not set up.")
	}

	// Made once: a retry finds the order on the hold.
	o := Order{ID: h.OrderID, ApproveURL: h.ApproveURL}
	if o.ID == "" {
		if o, err = b.Payments.CreateOrder(ctx, h, h.Due); err != nil {
			return Appointment{}, err
		}
	}
	return b.Store.AttachOrder(ctx, h.ID, h.HoldToken, o, msg, b.now())
}

// payable says why hold h (not booked) cannot be paid now, or nil.
func (b *Bookings) payable(h Appointment) error {
	switch {
	case h.PayState.Mismatched(): // its order is spent: its successor (if any) is paid instead
		return Errorf(EEXPIRED, "This time is no longer held under this payment. Choose a time again.")
	case h.Status != StatusHeld && h.Status != StatusExpired || h.Moves != "":
		return Errorf(EEXPIRED, "This time is no longer held for you. Choose a time again.")
	case h.Payment == PayNone:
		return Errorf(EINVALID, "This booking is paid at the session.")
	case !h.PayBy.IsZero() && !b.now().Before(h.PayBy): // the practice's deadline is not renewed
		return Errorf(EEXPIRED, "The time to pay for this session has passed, so it is no longer held for you.")
	}
	return nil
}

// PaymentOutcome says how completing a payment ended.
type PaymentOutcome string

// Payment outcomes.
const (
	PaidNow        PaymentOutcome = "paid"         // captured and confirmed
	PaidTimeLost   PaymentOutcome = "time_lost"    // captured, but the time was taken: refunded in full
	PayDeclined    PaymentOutcome = "declined"     // nothing captured; the hold stays; pay again
	PayPending     PaymentOutcome = "pending"      // PayPal has not completed it; it will be finished later
	PayTaken       PaymentOutcome = "taken"        // the hold ran out and the time was taken: nothing captured
	PayNotApproved PaymentOutcome = "not_approved" // the buyer has not approved the payment at PayPal
	PayDenied      PaymentOutcome = "denied"       // PayPal denied a pending capture: nothing taken, the hold let go
	PaidMismatch   PaymentOutcome = "mismatch"     // captured another amount or currency than due: not booked, refunded in full
	// PayPal is capturing another amount or currency than due, and has not
	// completed it: not booked, the time let go; refunded once it completes.
	PayMismatchPending PaymentOutcome = "mismatch_pending"
)

// PaymentResult is the end of CompletePayment. Fresh is true for the one
// call that changed the booking, so that people are told once.
type PaymentResult struct {
	Outcome     PaymentOutcome
	Appointment Appointment
	// Fresh: this caller is to tell the client (and the therapist). For a
	// settled payment (PaidNow, PaidTimeLost, PaidMismatch) it then reports
	// the telling with PaymentTold.
	Fresh bool
	// Told: a settled payment's messages went out before (nothing to do).
	Told bool
	// TellToken is the telling claim's token (with Fresh, for PaymentTold).
	TellToken string
}

// Settled reports a result whose telling is claimed (see PaymentTold).
func (r PaymentResult) Settled() bool {
	return r.Outcome == PaidNow || r.Outcome == PaidTimeLost || r.Outcome == PaidMismatch
}

// CompletePayment finishes the payment of an order the buyer approved: it
// is called when the buyer returns, by webhooks, and by reconciliation, in
// any order and any number of times. The hold is re-checked (and kept) with
// a compare-and-set before anything is captured; a capture is recorded
// and the booking confirmed in one step; a capture that arrives after the
// time was lost is refunded in full, and so is a capture of another amount
// or currency than was due (see record). known is a capture already known
// to be completed (from a webhook), or nil.
func (b *Bookings) CompletePayment(ctx context.Context, orderID string, known *Capture) (PaymentResult, error) {
	a, err := b.Store.AppointmentByOrder(ctx, orderID)
	if err != nil {
		return PaymentResult{}, err
	}

	if a.PayState == PayStatePaid || a.PayState == PayStateMismatch {
		return b.settled(ctx, a, false)
	}

	if known == nil || known.Status != "COMPLETED" || known.Amount.Currency == "" {
		// (a capture that does not say what it took is asked of PayPal)
		r, c, err := b.capture(ctx, a)
		if err != nil || c == nil {
			return r, err
		}
		known = c
	}

	a, fresh, err := b.record(ctx, a, *known)
	if err != nil {
		return PaymentResult{}, err
	}
	b.fault("pay.after_record")
	return b.settled(ctx, a, fresh)
}

// capture re-checks the hold and captures the order. It returns either a
// completed capture to record, or the result to report.
func (b *Bookings) capture(ctx context.Context, orig Appointment) (PaymentResult, *Capture, error) {
	if b.Payments == nil {
		return PaymentResult{}, nil, Errorf(EUNAVAILABLE, "Online payment is not set up.")
	}

	// The hold re-checked, and kept for the capture, before PayPal is asked.
	a, err := b.Store.BeginCapture(ctx, orig.ID, orig.HoldToken, b.now().Add(captureGrace), b.now())
	switch {
	case ErrorCode(err) == ECONFLICT: // this call found the time taken: nothing may be captured
		return PaymentResult{Outcome: PayTaken, Appointment: orig, Fresh: true}, nil, nil
	case ErrorCode(err) == EGONE: // the time is gone, but an earlier capture may have gone through
		return b.askPayPal(ctx, orig)
	case err != nil:
		return PaymentResult{}, nil, err
	case a.PayState == PayStateLost: // an earlier call found it taken
		return PaymentResult{Outcome: PayTaken, Appointment: a}, nil, nil
	case a.PayState == PayStatePaid || a.PayState == PayStateMismatch:
		r, err := b.settled(ctx, a, false)
		return r, nil, err
	case a.PayState == PayStateMismatchPending: // its time is gone: PayPal says how its capture ended
		return b.askPayPal(ctx, a)
	}

	b.fault("pay.before_capture")
	c, err := b.Payments.Capture(ctx, a)
	switch ErrorCode(err) {
	case "":
		b.fault("pay.after_capture")
	case EDECLINED:
		b.Count("payment", "declined")
		b.amount("declined", a.Due)
		a, changed, err := b.Store.SetPayState(ctx, a.ID, PayStateDeclined, b.now())
		return PaymentResult{Outcome: PayDeclined, Appointment: a, Fresh: changed}, nil, err
	case ECONFLICT: // the buyer has not approved (yet, or again after a decline)
		a, _, err := b.Store.SetPayState(ctx, a.ID, PayStateOrdered, b.now())
		return PaymentResult{Outcome: PayNotApproved, Appointment: a}, nil, err
	default:
		return PaymentResult{}, nil, err // capturing stays recorded: a retry finishes it
	}

	return b.captureAnswered(ctx, a, c)
}

// captureAnswered goes by the status of the capture c PayPal answered for
// a: completed, it is returned to record; pending, the payment waits (or,
// of another amount, lets the time go); else it was declined.
func (b *Bookings) captureAnswered(ctx context.Context, a Appointment, c Capture) (PaymentResult, *Capture, error) {
	switch c.Status {
	case "COMPLETED":
		return PaymentResult{}, &c, nil
	case "PENDING":
		b.Count("payment", "pending")
		if c.Amount.Currency != "" && !a.Matches(c) {
			return b.pendingMismatch(ctx, a, c)
		}
		a, changed, err := b.Store.SetPayState(ctx, a.ID, PayStatePending, b.now())
		return PaymentResult{Outcome: PayPending, Appointment: a, Fresh: changed}, nil, err
	}

	// Else it was declined (DECLINED, FAILED).
	a, changed, err := b.Store.SetPayState(ctx, a.ID, PayStateDeclined, b.now())
	return PaymentResult{Outcome: PayDeclined, Appointment: a, Fresh: changed}, nil, err
}

// askPayPal settles a payment whose time is gone after a capture was
// started (or let go for a pending capture that did not match): PayPal
// says whether money moved. A completed capture is recorded (and refunded
// in full, the time being lost, or the capture not matching); none means
// nothing was taken.
func (b *Bookings) askPayPal(ctx context.Context, a Appointment) (PaymentResult, *Capture, error) {
	o, err := b.Payments.Order(ctx, a.OrderID)
	if err != nil {
		return PaymentResult{}, nil, err
	}

	pending := a.PayState == PayStateMismatchPending
	switch {
	case o.Capture != nil && o.Capture.Status == "COMPLETED":
		return PaymentResult{}, o.Capture, nil
	case o.Capture != nil && o.Capture.Status == "PENDING" && pending:
		return PaymentResult{Outcome: PayMismatchPending, Appointment: a}, nil, nil
	case o.Capture != nil && o.Capture.Status == "PENDING":
		return PaymentResult{Outcome: PayPending, Appointment: a}, nil, nil
	}

	// No capture at PayPal: nothing was taken.
	a, changed, err := b.Store.SetPayState(ctx, a.ID, PayStateLost, b.now())
	if pending { // PayPal denied it: nothing was taken
		return PaymentResult{Outcome: PayDenied, Appointment: a, Fresh: changed}, nil, err
	}
	return PaymentResult{Outcome: PayTaken, Appointment: a, Fresh: changed}, nil, err
}

// settled reports a paid appointment: confirmed, or (time lost, or a
// capture that did not match) refunded. Its result is Fresh for the one
// caller that is to tell the client and the therapist (see ClaimTelling):
// the caller that recorded the capture, or, if that one never told (it
// crashed, or Telegram failed), a later one — the buyer's return, a
// webhook, the worker.
func (b *Bookings) settled(ctx context.Context, a Appointment, fresh bool) (PaymentResult, error) {
	if a.PayState == PayStateMismatch {
		return b.mismatched(ctx, a, fresh), nil
	}

	switch a.Status {
	case StatusConfirmed, StatusCompleted, StatusNoShow:
		if fresh {
			b.Count("booking", "confirmed")
			b.Count("payment", "captured")
			b.amount("captured", a.Paid)
			b.afterFreeing("payment", b.offerFilled(ctx, a)) // the offer chain also sees it booked
		}
		r := PaymentResult{Outcome: PaidNow, Appointment: a}
		r.Fresh, r.Told, r.TellToken = b.claimTelling(ctx, a, fresh)
		return r, nil
	case StatusCancelledByClient, StatusCancelledByPractice:
		if !fresh && a.RefundState != RefundPending { // paid, booked, cancelled since: nothing to tell
			return PaymentResult{Outcome: PaidNow, Appointment: a, Told: true}, nil
		}
	}

	// Otherwise it is not a booking now: a pending refund is asked for at once.
	if fresh {
		b.Count("payment", "time_lost")
		b.amount("captured", a.Paid)
	}
	a = b.refundNow(ctx, a)
	r := PaymentResult{Outcome: PaidTimeLost, Appointment: a}
	r.Fresh, r.Told, r.TellToken = b.claimTelling(ctx, a, fresh)
	return r, nil
}

// refundNow asks for a's pending refund at once (IssueRefund), and returns
// a as it then is: refunded, or still pending with the attempt counted
// (the worker retries it). Any caller that finds the payment settled asks,
// so that a refund the recording call never made (it crashed) is made by
// the next return or webhook; one tried a moment ago is left to the
// refunds queue and its backoff (IssueRefund skips it), so that an outage
// at PayPal does not spend the refund's attempts in minutes.
func (b *Bookings) refundNow(ctx context.Context, a Appointment) Appointment {
	if a.RefundState == RefundPending {
		if r, _ := b.IssueRefund(ctx, a.ID); r.ID != "" {
			return r
		}
	}
	return a
}

// claimTelling reports whether this caller is to tell the client and the
// therapist that a's payment settled (nobody has, and nobody else is at
// it), or that it was told. If Redis cannot say, the caller that recorded
// the capture tells.
func (b *Bookings) claimTelling(ctx context.Context, a Appointment, fresh bool) (tell, told bool, token string) {
	token = RandomToken(12)
	claim, err := b.Store.ClaimTelling(ctx, a.ID, token, tellLease)
	if err != nil {
		b.log().Warn("could not claim telling of a payment", "appointment", a.ID, "err", err)
		return fresh, false, token
	}
	return claim == TellYours, claim == TellDone, token
}

// TellClaim is the answer to a claim to tell of a settled payment.
type TellClaim int

const (
	TellYours TellClaim = iota // tell it, then PaymentTold
	TellBusy                   // another caller is telling it
	TellDone                   // it was told
)

// tellLease is how long a caller has to tell of a settled payment before
// another (the worker) may; TellWithin bounds the telling well inside it.
const (
	tellLease  = 2 * time.Minute
	TellWithin = time.Minute
)

// PaymentTold records that the messages of r's settled payment went out
// (delivered is true), with the notices still to send queued for the
// worker (with), or that they did not, so that the worker tells them on
// its next reconciliation. The error is logged already.
func (b *Bookings) PaymentTold(ctx context.Context, r PaymentResult, delivered bool, with ...Queued) error {
	// On a context of its own: the caller's may be spent by the telling.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()

	id := r.Appointment.ID
	var err error
	if delivered {
		err = b.Store.Told(ctx, id, r.TellToken, with...)
	} else {
		err = b.Store.ToldFailed(ctx, id, r.TellToken)
	}
	if err != nil {
		b.log().Warn("could not record the telling of a payment", "appointment", id, "delivered", delivered, "err", err)
	}
	return err
}

// PaymentDenied records that PayPal denied (or declined) a capture that
// was pending: nothing was taken, the order is spent, and the hold is let
// go. fresh is true for the call that changed it.
func (b *Bookings) PaymentDenied(ctx context.Context, orderID string) (Appointment, bool, error) {
	a, err := b.Store.AppointmentByOrder(ctx, orderID)
	if err != nil {
		return Appointment{}, false, err
	}
	if a.PayState == PayStatePaid || a.PayState == PayStateMismatch {
		return a, false, nil
	}

	a, changed, err := b.Store.SetPayState(ctx, a.ID, PayStateLost, b.now())
	if err != nil {
		return Appointment{}, false, err
	}

	if a.Status == StatusHeld || a.Status == StatusExpired {
		if err := b.Store.Release(ctx, a.ID, a.HoldToken, b.now()); err != nil {
			return a, changed, err
		}
		if r, err := b.Store.Appointment(ctx, a.ID); err == nil {
			a = r
		}
	}
	return a, changed, nil
}

// IssueRefund asks the provider for an appointment's pending refund and
// records the answer. It is safe to call any number of times, from any
// process: the provider sees one idempotent request per appointment, and
// the store moves pending to refunded once. A refusal or a timeout leaves
// it pending (and counted) for a retry, which it then skips
// (EUNAVAILABLE) until RefundBackoff has passed since: the refunds queue
// makes it on that schedule.
func (b *Bookings) IssueRefund(ctx context.Context, id string) (Appointment, error) {
	a, err := b.Store.Appointment(ctx, id)
	if err != nil || a.RefundState != RefundPending {
		return a, err
	}
	if err := b.refundWaits(a); err != nil {
		return a, err
	}

	if a.RefundDue.Amount <= 0 || a.CaptureID == "" {
		a, _, err = b.Store.RefundDone(ctx, id, Refund{Amount: Money{Currency: a.RefundDue.Currency}}, b.now())
		return a, err
	}
	if b.Payments == nil {
		return a, Errorf(EUNAVAILABLE, "Online payment is not set up.")
	}

	b.fault("refund.before_issue")
	r, err := b.Payments.Refund(ctx, a, a.RefundDue)
	if err == nil {
		b.fault("refund.after_issue")
	}
	if err != nil {
		if a.RefundTries == 0 {
			b.Count("refund", "pending") // once per refund: it now waits for a retry
		}
		b.Count("refund", "attempt_failed")
		if f, ferr := b.Store.RefundFailed(ctx, id, a.RefundTries, ErrorCode(err) == EDECLINED, b.now()); ferr == nil {
			a = f
		}
		return a, err
	}

	a, fresh, err := b.Store.RefundDone(ctx, id, r, b.now())
	if err == nil && fresh {
		b.Count("refund", "issued")
		b.amount("refunded", r.Amount)
	}
	return a, err
}

// refundWaits says why a's pending refund is not to be asked of the
// provider now (EUNAVAILABLE), or nil when it is.
func (b *Bookings) refundWaits(a Appointment) error {
	if a.RefundByHand {
		// Part of it came back another way (a refund made at PayPal): what
		// is left is the practice's to refund by hand.
		return Errorf(EUNAVAILABLE, "Part of the refund was made at PayPal; the rest was handed over to the practice.")
	}

	if next := a.RefundTriedAt.Add(RefundBackoff(a.RefundTries)); a.RefundTries > 0 && b.now().Before(next) {
		// Tried a moment ago (PayPal refused it or did not answer): every
		// return, webhook and reconciliation that finds it pending would
		// otherwise spend an attempt; the refunds queue tries it again.
		return Errorf(EUNAVAILABLE, "The refund was tried a moment ago; it is tried again from %s.", next.UTC().Format(time.RFC3339))
	}

	if max := b.Practice.Worker.RefundAttempts; max > 0 && a.RefundTries >= max {
		// Handed over to the therapist to refund by hand: asking PayPal
		// again could refund twice.
		return Errorf(EUNAVAILABLE, "The refund was handed over to the practice after %d attempts.", a.RefundTries)
	}
	return nil
}

// RefundOutcome is what a refund the provider reported did to an
// appointment's pending refund.
type RefundOutcome string

// Refund outcomes.
const (
	RefundIgnored    RefundOutcome = ""        // no refund was pending, or nothing new came back: nothing to tell
	RefundSettledNow RefundOutcome = "settled" // the refund due came back: refunded now
	RefundShort      RefundOutcome = "short"   // less than due came back: the rest is handed to the practice
)

// RefundSettled records a refund PayPal reports (a webhook) for a
// capture. It settles the pending refund only when what came back covers
// what is due, in its currency: a partial refund (one made by hand at
// PayPal, say) leaves the rest owed, and since PayPal would refuse the
// full refund now (more than is left of the capture), tori stops asking
// and the practice is told what is still owed (RefundShort).
func (b *Bookings) RefundSettled(ctx context.Context, captureID string, r Refund) (Appointment, RefundOutcome, error) {
	a, err := b.Store.AppointmentByCapture(ctx, captureID)
	if err != nil {
		return Appointment{}, RefundIgnored, err
	}
	if a.RefundState != RefundPending {
		return a, RefundIgnored, nil
	}

	a, out, err := b.Store.RefundReported(ctx, a.ID, r, b.now())
	switch {
	case err != nil:
	case out == RefundSettledNow:
		b.Count("refund", "settled_at_paypal")
		b.amount("refunded", a.Refunded)
	case out == RefundShort:
		b.log().Warn("a refund smaller than due was made at PayPal: the rest is handed to the practice",
			"appointment", a.ID, "refunded", a.Refunded.String(), "due", a.RefundDue.String())
		b.Count("refund", "short")
	}
	return a, out, err
}

// Payment event types (PayPal's names).
const (
	EventOrderApproved    = "CHECKOUT.ORDER.APPROVED"
	EventCaptureCompleted = "PAYMENT.CAPTURE.COMPLETED"
	EventCaptureDenied    = "PAYMENT.CAPTURE.DENIED"
	EventCaptureDeclined  = "PAYMENT.CAPTURE.DECLINED"
	EventCaptureRefunded  = "PAYMENT.CAPTURE.REFUNDED"
)

// PaymentEvent is a verified notification from the payment provider.
type PaymentEvent struct {
	ID        string // the provider's event id (for de-duplication)
	Type      string // CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.COMPLETED, …DENIED, …REFUNDED
	OrderID   string
	CaptureID string
	Capture   *Capture // for capture events
	Refund    *Refund  // for refund events
}
