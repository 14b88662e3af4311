package tori_test

import (
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/testpractice"
)

var (
	span     = testpractice.Span
	mustLoad = testpractice.Location
)

// practice is the shared test practice (internal/testpractice).
func practice() *tori.Practice { return testpractice.New() }
