package tori

import "strings"

// isoCurrencies are the active currency codes of ISO 4217 (list one, as
// of 2025) that prices are written in: its fund codes (BOV, CHE, CHW, CLF,
// COU, MXV, USN, UYI, UYW), precious metals, bond-market units, XDR, XSU,
// XUA and the codes for testing and for no currency (XTS, XXX) are left
// out; ANG stays beside XCG, which replaces it in 2025. Minor digits are
// MinorDigits' business, not this list's.
var isoCurrencies = setOf(strings.Fields(`
	AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND
	BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF
	DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
	HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
	KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
	MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
	PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
	SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED
	VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`))

func setOf(codes []string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// IsCurrency reports whether code is an active ISO 4217 currency code
// (upper case, as Money keeps it).
func IsCurrency(code string) bool { return isoCurrencies[code] }

// currencyHint is what to write instead of a code people use but ISO 4217
// does not have.
var currencyHint = map[string]string{"NIS": "ILS", "RMB": "CNY", "NTD": "TWD", "UKP": "GBP", "STG": "GBP"}

// CheckCurrency refuses a code that is not an active ISO 4217 currency
// (EINVALID), saying what to write instead.
func CheckCurrency(code string) error {
	if IsCurrency(code) {
		return nil
	}
	if iso, ok := currencyHint[code]; ok {
		return Errorf(EINVALID, "currency %q is not an ISO 4217 code: write %s", code, iso)
	}
	return Errorf(EINVALID, "currency %q is not an ISO 4217 code: use one such as ILS, USD, EUR or GBP", code)
}
