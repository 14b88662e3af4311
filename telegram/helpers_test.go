package telegram_test

import (
	"strings"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/bidi"
	"github.com/tori-bot/tori/internal/testpractice"
)

// testPractice is the shared test practice (internal/testpractice): Adi
// (therapist ids 9001, 9011) and Noa (9002) in Tel Aviv, staff 9500.
func testPractice() *tori.Practice { return testpractice.New() }

// shown is a text as a person reads it: without the invisible word joiners
// that keep a time range on one line.
func shown(s string) string { return strings.ReplaceAll(s, bidi.WJ, "") }
