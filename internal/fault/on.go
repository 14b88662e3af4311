//go:build faults

package fault

import (
	"os"
	"syscall"
)

// Point kills this process (SIGKILL) when TORI_FAULT is name.
func Point(name string) {
	if os.Getenv("TORI_FAULT") == name {
		os.Stderr.WriteString("tori: fault point " + name + ": killed\n")
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
