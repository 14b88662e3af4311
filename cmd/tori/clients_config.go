package main

import (
	"strings"

	"github.com/tori-bot/tori"
)

// readClients reads clients.*, over tori.DefaultClientsPolicy: how long
// an invite link works, and the calling code of a phone number typed
// without one. Validate checks the ranges.
func readClients(f *fileConfig, cp *tori.ClientsPolicy) error {
	*cp = tori.DefaultClientsPolicy()
	if code := strings.TrimPrefix(strings.TrimSpace(f.Clients.CountryCode), "+"); code != "" {
		cp.CountryCode = code
	}
	if v := strings.TrimSpace(f.Clients.InviteValid); v != "" {
		d, err := duration("clients.invite_valid", v, "7d")
		if err != nil {
			return err
		}
		cp.InviteValid = d
	}
	return cp.Validate()
}
