package tori

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// OfflineBase is the first client id of a client without Telegram: above
// every Telegram user id (they fit in 52 bits), so the two kinds never
// meet and both stay positive integers wherever a client id is read.
const OfflineBase int64 = 1 << 53

// IsOfflineClient reports whether id is a client without Telegram.
func IsOfflineClient(id int64) bool { return id >= OfflineBase }

// Offline reports whether c is a client without Telegram: never messaged.
func (c Client) Offline() bool { return IsOfflineClient(c.ID) }

// Reachable reports whether a message can go to chat: not a client
// without Telegram, nor no chat at all.
func Reachable(chat int64) bool { return chat != 0 && !IsOfflineClient(chat) }

// OfflineClient is the practice's record of a client without Telegram: a
// name and a phone number, until an invite link attaches them to a
// Telegram account (Became).
type OfflineClient struct {
	ID      int64
	Name    string
	Phone   string // E.164, "+972501234567"
	Created time.Time
	// Became is the Telegram id the client attached to (0 while none);
	// Attached when.
	Became   int64
	Attached time.Time
}

// Client is the record as the client of an appointment.
func (o OfflineClient) Client() Client { return Client{ID: o.ID, Name: o.Name} }

// ClientsPolicy is how the practice keeps clients without Telegram.
type ClientsPolicy struct {
	// InviteValid is how long an invite link works (default 7 days).
	InviteValid time.Duration
	// CountryCode is the calling code a phone number written without one
	// is in ("972"), from its leading 0.
	CountryCode string
}

// DefaultClientsPolicy is used for every field the practice leaves out.
func DefaultClientsPolicy() ClientsPolicy {
	return ClientsPolicy{InviteValid: 7 * 24 * time.Hour, CountryCode: "972"}
}

func (cp *ClientsPolicy) fillDefaults() {
	def := DefaultClientsPolicy()
	if cp.InviteValid == 0 {
		cp.InviteValid = def.InviteValid
	}
	if cp.CountryCode == "" {
		cp.CountryCode = def.CountryCode
	}
}

// Validate checks the policy; each error names the field and the fix.
func (cp ClientsPolicy) Validate() error {
	if cp.InviteValid < time.Hour || cp.InviteValid > 90*24*time.Hour {
		return Errorf(EINVALID, "clients.invite_valid %s is out of range: write a duration from 1h to 90d, such as 7d", days(cp.InviteValid))
	}
	if !allDigits(cp.CountryCode) || len(cp.CountryCode) > 3 || cp.CountryCode[0] == '0' {
		return Errorf(EINVALID, "clients.country_code %q is not a calling code: write its digits without + or 00, such as 972", cp.CountryCode)
	}
	return nil
}

// NewOfflineClient checks and normalises a name and phone typed by the
// practice (OfflineName, NormalizePhone). EINVALID says what to type.
func NewOfflineClient(name, phone string, cp ClientsPolicy) (OfflineClient, error) {
	n, err := OfflineName(name)
	if err != nil {
		return OfflineClient{}, err
	}
	p, err := NormalizePhone(phone, cp.CountryCode)
	if err != nil {
		return OfflineClient{}, err
	}
	return OfflineClient{Name: n, Phone: p}, nil
}

// OfflineName checks a client's name typed by the practice: its spaces
// made single, up to 64 letters, no markup.
func OfflineName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 64 || strings.ContainsAny(name, "<>@/") {
		return "", Errorf(EINVALID, "Type the client's name as it should appear in the calendar (up to 64 letters), such as Dana Levi.")
	}
	return name, nil
}

// NormalizePhone writes a phone number as E.164 ("+972501234567"): spaces,
// dashes, dots and brackets dropped; "00" read as "+"; a leading 0 is a
// number in the practice's country (code). EINVALID otherwise.
func NormalizePhone(s, code string) (string, error) {
	bad := Errorf(EINVALID, "Type the phone number with its digits, such as 050-123-4567 or +972 50 123 4567.")
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()\u00a0", r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))

	var digits string
	switch {
	case strings.HasPrefix(s, "+"):
		digits = s[1:]
	case strings.HasPrefix(s, "00"):
		digits = s[2:]
	case strings.HasPrefix(s, "0"):
		digits = code + s[1:]
	default:
		return "", bad
	}
	if !allDigits(digits) || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", bad
	}
	return "+" + digits, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Invite is an invite link's token and until when it works.
type Invite struct {
	Token string // "i" + id characters, never a service id
	Until time.Time
}

// IsInviteToken reports whether a /start argument is an invite token.
func IsInviteToken(s string) bool {
	return len(s) == len(InvitePrefix)+InviteChars && strings.HasPrefix(s, InvitePrefix) && allLowerAlnum(s[len(InvitePrefix):])
}

// InvitePrefix starts every invite token, followed by InviteChars random
// characters: 21 in all, longer than any service id (16), so a token never
// collides with a service named in a /start link.
const (
	InvitePrefix = "i"
	InviteChars  = 20
)

// NewInviteToken returns a new invite token.
func NewInviteToken() string { return InvitePrefix + RandomToken(InviteChars) }

func allLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// Attached is what claiming an invite did: the record and the Telegram
// client it became.
type Attached struct {
	Record OfflineClient
	Client Client
	// Again: the same person claimed it before (a retried update).
	Again bool
}

// OfflineStore keeps the practice's clients without Telegram.
type OfflineStore interface {
	// CreateOfflineClient gives o a new id and keeps it. ECONFLICT (with
	// the existing record) when a client of that phone number is kept.
	CreateOfflineClient(ctx context.Context, o OfflineClient, now time.Time) (OfflineClient, error)
	// OfflineClient returns a record (ENOTFOUND).
	OfflineClient(ctx context.Context, id int64) (OfflineClient, error)
	// FindOfflineClients returns the records whose name contains q (any
	// case) or whose phone is q normalised, at most n.
	FindOfflineClients(ctx context.Context, q, code string, n int) ([]OfflineClient, error)
	// NewInvite makes the client's invite link, replacing one made before.
	// ECONFLICT when the record already became a Telegram client.
	NewInvite(ctx context.Context, id int64, until, now time.Time) (Invite, error)
	// ClaimInvite attaches the record of token to who, once: the first
	// claimer only (EEXPIRED for a token used by someone else, expired or
	// unknown). The record's appointments, strikes and settings move to
	// who's id, finished by FinishAttaches if the process dies midway.
	ClaimInvite(ctx context.Context, token string, who Client, now time.Time) (Attached, error)
	// FinishAttaches finishes attachments a crash cut short; how many.
	FinishAttaches(ctx context.Context, n int, now time.Time) (int, error)
	// ForgetOfflineClient deletes the record (its name and phone).
	ForgetOfflineClient(ctx context.Context, id int64) error
}
