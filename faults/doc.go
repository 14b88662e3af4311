// Package faults is tori's fault-injection suite: real tori processes
// (built with -tags faults, see internal/fault) against one Redis, with the
// fake Telegram Bot API and the fake PayPal of the test support packages.
// It checks the claims that matter most — no double booking, no payment
// lost or captured twice, no refund issued twice — while processes are
// killed (SIGKILL) at each step of paying and refunding, Redis is
// restarted, and thousands of bookings race.
//
// It is slow (minutes), so its tests build only with the faults tag:
//
//	go test -tags faults -count=1 -parallel 8 -timeout 20m -v ./faults/
package faults
