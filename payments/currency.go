package payments

import (
	"slices"
	"strings"

	"github.com/tori-bot/tori"
)

// Currencies are the currencies PayPal takes payments in (its REST API's
// currency codes). HUF, JPY and TWD are whole units only.
var Currencies = []string{"AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS", "JPY",
	"MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "SEK", "SGD", "THB", "TWD", "USD"}

// CheckPractice says which service would be paid through PayPal in a
// currency PayPal does not take (every priced service when the
// repeat-offender rule may make any booking prepaid); nil when none.
func CheckPractice(p *tori.Practice) error {
	for _, s := range p.Services {
		paid := s.Payment != tori.PayNone || (p.Policy.RepeatCount > 0 && !s.Price.IsZero())
		if paid && !slices.Contains(Currencies, s.Price.Currency) {
			return tori.Errorf(tori.EINVALID, "service %s is paid through PayPal in %s, a currency PayPal does not take: use one of %s",
				s.ID, s.Price.Currency, strings.Join(Currencies, ", "))
		}
	}
	return nil
}
