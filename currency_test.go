package tori_test

import (
	"strings"
	"testing"

	"github.com/tori-bot/tori"
)

// TestCurrencyIsISO4217: a price is in an active ISO 4217 currency; a
// well-known wrong code says what to write instead, any other says what a
// code looks like.
func TestCurrencyIsISO4217(t *testing.T) {
	for _, c := range []string{"ILS", "usd", "EUR", "GBP", "JPY", "KWD", "CHF", "XOF"} {
		if _, err := tori.ParseMoney("350", c); err != nil {
			t.Errorf("ParseMoney(350, %s): %v", c, err)
		}
	}
	tests := []struct{ code, want string }{
		{"NIS", `currency "NIS" is not an ISO 4217 code: write ILS`},
		{"ABC", `currency "ABC" is not an ISO 4217 code: use one such as ILS`},
		{"XXX", "is not an ISO 4217 code"}, // "no currency"
		{"DEM", "is not an ISO 4217 code"}, // withdrawn
		{"SHEKEL", "is not an ISO 4217 code"},
		{"", "is not an ISO 4217 code"},
	}
	for _, tt := range tests {
		_, err := tori.ParseMoney("350", tt.code)
		if tori.ErrorCode(err) != tori.EINVALID || !strings.Contains(tori.ErrorMessage(err), tt.want) {
			t.Errorf("ParseMoney(350, %q) = %v, want EINVALID saying %q", tt.code, err, tt.want)
		}
	}
	if !tori.IsCurrency("ILS") || tori.IsCurrency("ils") || tori.IsCurrency("NIS") {
		t.Error("IsCurrency: ILS yes; ils (not upper case) and NIS no")
	}
}
