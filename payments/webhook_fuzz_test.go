package payments

import (
	"testing"

	"github.com/tori-bot/tori"
)

// FuzzParseEvent feeds arbitrary bodies to the webhook event parser (what
// runs after a signature verified): it never panics, and what it accepts
// has an id and, for capture events, a capture with a valid amount.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C-1","status":"COMPLETED","amount":{"currency_code":"ILS","value":"350.50"},"supplementary_data":{"related_ids":{"order_id":"O-1"}}}}`,
		`{"id":"WH-2","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"O-1"}}`,
		`{"id":"WH-3","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"R-1","amount":{"currency_code":"ILS","value":"1"},"links":[{"rel":"up","href":"https://x/v2/payments/captures/C-1"}]}}`,
		`{}`, `[]`, `{"id":"x","resource":{"amount":{"currency_code":"ILS","value":"-1"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseEvent(body)
		if err != nil {
			if tori.ErrorCode(err) != tori.EINVALID {
				t.Fatalf("error %v", err)
			}
			return
		}
		if ev.ID == "" {
			t.Fatal("accepted an event without an id")
		}
		if ev.Capture != nil && ev.Capture.Amount.Amount < 0 {
			t.Fatalf("negative amount %v", ev.Capture.Amount)
		}
	})
}
