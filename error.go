package tori

import (
	"errors"
	"fmt"
)

// Error codes. Front ends show ErrorMessage to the user for every code but
// EINTERNAL, which is logged as a fault and shown as a generic apology.
const (
	ECONFLICT    = "conflict"    // the time is taken, or the move is not allowed now
	EDECLINED    = "declined"    // the payment provider declined the payment; the buyer may try again
	EEXPIRED     = "expired"     // a hold ran out before it was used
	EFORBIDDEN   = "forbidden"   // the actor may not touch this object
	EGONE        = "gone"        // the object an action was about has ended meanwhile
	EINTERNAL    = "internal"    // a fault of ours or of a dependency
	EINVALID     = "invalid"     // bad input; the message says what to do instead
	ELIMIT       = "limit"       // a per-client limit was reached
	ENOTFOUND    = "not_found"   // no such object (or not visible to the actor)
	ETOOLATE     = "too_late"    // the policy's cut-off for this action has passed
	EUNAVAILABLE = "unavailable" // a dependency did not answer; the outcome is unknown, retry later
)

// Error is the one error type of the domain: a code for programs and a
// message for people, and the adapter's error it was translated from, if
// any, so that errors.Is and errors.As still see a Redis or PayPal error.
type Error struct {
	Code    string
	Message string
	// Cause is the error this one was made from (nil when the domain
	// refuses on its own). It is not part of Message: a person reads the
	// message, a program or a log the cause.
	Cause error
}

func (e *Error) Error() string {
	return fmt.Sprintf("tori: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError builds an *Error with a formatted message that keeps cause,
// the adapter's error it translates.
func WrapError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// ErrorCode returns the code of an *Error in err's chain, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of an *Error in err's chain, or a
// generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
