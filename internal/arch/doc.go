// Package arch holds no code: its test checks that the packages of this
// module import one another only along the arrows docs/ARCHITECTURE.md
// draws ("Rooms and arrows"), and that the diagram there is the test's
// own table.
package arch
