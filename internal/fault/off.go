//go:build !faults

package fault

// Point does nothing: this binary was built without -tags faults.
func Point(string) {}
