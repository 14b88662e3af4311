// Package fault lets the fault-injection suite (faults/) kill a tori
// process at a chosen step, as kill -9 would: Point(name) ends the process
// at once when it was built with -tags faults and TORI_FAULT names that
// point. In every other build Point does nothing (and costs nothing). The
// domain passes the points through tori.Bookings.Fault, which cmd/tori sets
// to Point, so that the root package imports none of ours.
//
// The points, in the order a payment and a refund pass them, then
// retention's and an invite's:
//
//	pay.before_capture        the capture is recorded as begun; PayPal not asked yet
//	pay.after_capture         PayPal captured the money; nothing recorded yet
//	pay.after_record          the capture is recorded and the booking confirmed; nobody told yet
//	practice.after_hold       the practice's booking for a client holds its time; not confirmed yet
//	notice.before_send        the client was answered and a notice to another chat (a therapist's)
//	                          queued for the worker; the outbox has not sent it yet
//	refund.before_issue       the refund is recorded as pending; PayPal not asked yet
//	refund.after_issue        PayPal refunded; the refund is not recorded yet
//	retention.forget_midway   forgetting an idle client: their @username index
//	                          and ended waitlist entries are gone, their profile not yet
//	offline.attach_midway     an invite claimed: one therapist's sessions of the client
//	                          without Telegram moved to the Telegram account, the others' not yet
package fault
