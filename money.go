package tori

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units (agorot, cents) of an ISO 4217
// currency. It is never a float.
type Money struct {
	Amount   int64  // minor units
	Currency string // ISO 4217, upper case, e.g. "ILS"
}

// minorDigits is the number of minor-unit digits of a currency; 2 unless
// listed. The forint and the new Taiwan dollar have minor units on paper
// (ISO 4217 says 2) but not in prices or at PayPal, which refuses
// decimals for them: tori counts them in whole units.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "HUF": 0, "TWD": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}

// MinorDigits returns how many minor-unit digits the currency has.
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

var currencySymbols = map[string]string{"ILS": "₪", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// Symbol returns the currency's symbol, or its code when it has none we know.
func (m Money) Symbol() string {
	if s, ok := currencySymbols[m.Currency]; ok {
		return s
	}
	return m.Currency
}

// Number formats the amount without a symbol: "350", "350.50". Whole amounts
// have no decimals; others show every minor digit, so nothing is lost.
func (m Money) Number() string {
	d := MinorDigits(m.Currency)
	neg := m.Amount < 0
	a := m.Amount
	if neg {
		a = -a
	}

	unit := int64(1)
	for range d {
		unit *= 10
	}

	s := strconv.FormatInt(a/unit, 10)
	if frac := a % unit; frac != 0 {
		s += "." + fmt.Sprintf("%0*d", d, frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format writes the amount as the language writes it: "₪350.50" in English,
// "350.50 ₪" in Hebrew.
func (m Money) Format(lang string) string {
	if lang == "he" {
		return m.Number() + "\u00a0" + m.Symbol()
	}
	sym := m.Symbol()
	if sym == m.Currency {
		return m.Currency + "\u00a0" + m.Number()
	}
	return sym + m.Number()
}

// String is Format("en").
func (m Money) String() string { return m.Format("en") }

// Percent returns pct percent of m, rounded down to the minor unit.
func (m Money) Percent(pct int) Money {
	return Money{Amount: m.Amount * int64(pct) / 100, Currency: m.Currency}
}

// Sub returns m - o. Amounts of two currencies cannot be subtracted (₪
// minus $ means nothing): then it returns m unchanged and ok is false,
// so that a caller cannot show such a difference by mistake.
func (m Money) Sub(o Money) (diff Money, ok bool) {
	if m.Currency != o.Currency {
		return m, false
	}
	return Money{Amount: m.Amount - o.Amount, Currency: m.Currency}, true
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// ParseMoney reads a decimal amount such as "350" or "350.50" in the given
// currency, which must be an active ISO 4217 code. It refuses more minor
// digits than the currency has, so that no amount is ever rounded silently.
func ParseMoney(s, currency string) (Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if err := CheckCurrency(currency); err != nil {
		return Money{}, err
	}
	return ParseAmount(s, currency)
}

// ParseAmount is ParseMoney for an amount a payment provider reports: any
// three-letter code is kept as it is, known to tori or not, so that what
// was taken is recorded exactly (and given back) rather than refused.
func ParseAmount(s, currency string) (Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Money{}, Errorf(EINVALID, "currency %q is not a three-letter code such as ILS, USD or EUR", currency)
	}

	s = strings.TrimSpace(s)
	d := MinorDigits(currency)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (frac == "" || len(frac) > d)) {
		return Money{}, Errorf(EINVALID, "amount %q is not a number with at most %d decimals, such as 350 or 350.50", s, d)
	}

	for len(frac) < d {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(whole, "+") || strings.HasPrefix(whole, "-") {
		return Money{}, Errorf(EINVALID, "amount %q is not a non-negative number such as 350 or 350.50", s)
	}
	return Money{Amount: n, Currency: currency}, nil
}
