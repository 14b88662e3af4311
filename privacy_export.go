package tori

import (
	"time"
)

// ClientRecord is everything tori stores about one client.
type ClientRecord struct {
	Client       Client        // ID, ChatID; Name, Username and Lang as their profile keeps them
	Prepay       string        // the practice's decision about their prepayment
	Forgiven     string        // the appointment whose late cancellation was forgiven
	Phone        string        // the phone the practice kept for them before they used Telegram (an invite link)
	Appointments []Appointment // every appointment of theirs on record, oldest first
	Strikes      []Strike
	Waitlist     []WaitEntry
	Declined     map[string][]time.Time // per waitlist entry, the offered times they said no to
	Pending      []Relay                // their messages waiting to be passed on
	Relayed      int                    // their messages the practice can still reply to (kept 60 days)
	Conversation bool                   // a conversation with the bot in progress (kept a day)
}

// Strike is a late cancellation or a no-show on record.
type Strike struct {
	Appointment string
	At          time.Time
}

// Notes counts the appointments that carry a note of the practice.
func (r ClientRecord) Notes() int {
	n := 0
	for _, a := range r.Appointments {
		if a.Note != "" {
			n++
		}
	}
	return n
}

// ExportFile is a client's export: everything stored about them, with
// plain field names and times in the practice's zone. It leaves out what
// is the practice's and not theirs: hold tokens, Telegram message ids,
// other people.
type ExportFile struct {
	About     string          `json:"about"`
	Generated string          `json:"generated"`
	Practice  string          `json:"practice"`
	You       ExportProfile   `json:"you"`
	Bookings  []ExportBooking `json:"bookings"`
	Strikes   []ExportStrike  `json:"late_cancellations_and_no_shows"`
	Waitlist  []ExportWait    `json:"waitlist"`
	Messages  []ExportMessage `json:"messages_waiting_to_be_passed_on"`
	// Relayed counts the links kept from the copies of their messages in
	// the practice's chats (one per copy) to their chat, so that a reply
	// reaches them.
	Relayed      int  `json:"links_for_replies_to_your_messages"`
	Conversation bool `json:"conversation_in_progress"`
	// NotesWithheld counts the practice's notes left out of the export
	// (privacy.export_notes: false): the client may ask the practice.
	NotesWithheld int `json:"notes_withheld,omitempty"`
}

// ExportProfile is what tori keeps about the client themselves.
type ExportProfile struct {
	TelegramID int64  `json:"telegram_id"`
	Name       string `json:"name"`
	Username   string `json:"username,omitempty"`
	Language   string `json:"language,omitempty"`
	Prepayment string `json:"prepayment_decision,omitempty"`
	Forgiven   string `json:"late_cancellation_forgiven,omitempty"`
	Phone      string `json:"phone_kept_by_the_practice,omitempty"`
}

// ExportBooking is one appointment (a booking, or a hold on record).
type ExportBooking struct {
	ID        string        `json:"id"`
	Service   string        `json:"service"`
	Therapist string        `json:"therapist"`
	Start     string        `json:"start"`
	End       string        `json:"end"`
	Status    string        `json:"status"`
	Remote    bool          `json:"remote,omitempty"`
	Price     string        `json:"price"`
	Payment   string        `json:"payment,omitempty"`
	Paid      string        `json:"paid,omitempty"`
	PayState  string        `json:"payment_state,omitempty"`
	Refund    string        `json:"refund,omitempty"`
	Refunded  string        `json:"refunded,omitempty"`
	PayPal    *ExportPayPal `json:"paypal,omitempty"`
	Attending bool          `json:"said_they_will_attend,omitempty"`
	Note      string        `json:"practice_note,omitempty"`
	WaitOffer bool          `json:"offered_from_the_waitlist,omitempty"`
	Created   string        `json:"created"`
	Updated   string        `json:"updated"`
}

// ExportPayPal are the PayPal ids of a payment (they appear in the
// client's PayPal account too).
type ExportPayPal struct {
	Order   string `json:"order,omitempty"`
	Capture string `json:"capture,omitempty"`
	Refund  string `json:"refund,omitempty"`
}

// ExportStrike is a late cancellation or no-show on record.
type ExportStrike struct {
	Booking string `json:"booking"`
	At      string `json:"at"`
}

// ExportWait is a waitlist entry.
type ExportWait struct {
	Service   string   `json:"service"`
	Therapist string   `json:"therapist"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Part      string   `json:"part_of_day,omitempty"`
	Joined    string   `json:"joined"`
	Declined  []string `json:"offers_declined,omitempty"`
}

// ExportMessage is a message of theirs waiting for messaging hours.
type ExportMessage struct {
	Text string `json:"text"`
	At   string `json:"written"`
}

// ExportFile builds the client's export from their record, naming
// services and therapists in lang.
func (p *Privacy) ExportFile(r ClientRecord, lang string) ExportFile {
	x := exportNames{pr: p.Practice, lang: lang}
	f := ExportFile{
		About:     "Everything " + x.pr.Name + " keeps about you in its booking assistant (tori).",
		Generated: x.at(p.now()),
		Practice:  x.pr.Name,
		You: ExportProfile{TelegramID: r.Client.ID, Name: r.Client.Name, Username: r.Client.Username, Language: r.Client.Lang,
			Prepayment: r.Prepay, Forgiven: r.Forgiven, Phone: r.Phone},
		Bookings: []ExportBooking{}, Strikes: []ExportStrike{}, Waitlist: []ExportWait{}, Messages: []ExportMessage{},
		Relayed: r.Relayed, Conversation: r.Conversation,
	}

	// Bookings, with the practice's notes unless it withholds them.
	withhold := p.Policy().WithholdNotes
	for _, a := range r.Appointments {
		b := x.booking(a)
		switch {
		case a.Note != "" && withhold:
			f.NotesWithheld++
		case a.Note != "":
			b.Note = a.Note
		}
		f.Bookings = append(f.Bookings, b)
	}

	for _, s := range r.Strikes {
		f.Strikes = append(f.Strikes, ExportStrike{Booking: s.Appointment, At: x.at(s.At)})
	}
	for _, e := range r.Waitlist {
		f.Waitlist = append(f.Waitlist, x.wait(e, r.Declined[e.ID]))
	}
	for _, m := range r.Pending {
		f.Messages = append(f.Messages, ExportMessage{Text: m.Text, At: x.at(m.At)})
	}
	return f
}

// exportNames writes times, amounts, therapists and services as the export
// shows them: in the practice's time zone, and in the client's language.
type exportNames struct {
	pr   *Practice
	lang string
}

func (x exportNames) at(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(x.pr.Location).Format(time.RFC3339)
}

func (x exportNames) money(m Money) string {
	if m.Amount == 0 {
		return ""
	}
	return m.Number() + " " + m.Currency
}

func (x exportNames) therapist(id string) string {
	if t, ok := x.pr.Therapist(id); ok {
		return t.Name
	}
	return id
}

func (x exportNames) service(id string) string {
	if s, ok := x.pr.Service(id); ok {
		return s.Name(x.lang, x.pr.Language)
	}
	return id
}

// booking is an appointment as exported, without its note.
func (x exportNames) booking(a Appointment) ExportBooking {
	b := ExportBooking{ID: a.ID, Service: x.service(a.ServiceID), Therapist: x.therapist(a.TherapistID), Start: x.at(a.Start), End: x.at(a.End),
		Status: string(a.Status), Remote: a.Remote, Price: x.money(a.Price), Payment: string(a.Payment), Paid: x.money(a.Paid),
		PayState: string(a.PayState), Refund: x.money(a.RefundDue), Refunded: x.money(a.Refunded), Attending: a.Attending,
		WaitOffer: a.Offer != "", Created: x.at(a.CreatedAt), Updated: x.at(a.UpdatedAt)}
	if a.Price.Amount == 0 {
		b.Price = "0"
	}
	if a.OrderID != "" || a.CaptureID != "" || a.RefundID != "" {
		b.PayPal = &ExportPayPal{Order: a.OrderID, Capture: a.CaptureID, Refund: a.RefundID}
	}
	return b
}

// wait is a waitlist entry as exported, with the offers declined.
func (x exportNames) wait(e WaitEntry, declined []time.Time) ExportWait {
	w := ExportWait{Service: x.service(e.ServiceID), Therapist: x.therapist(e.TherapistID), From: e.From.String(), To: e.To.String(),
		Part: string(e.Part), Joined: x.at(e.Joined)}
	if e.TherapistID == "" {
		w.Therapist = "any"
	}
	for _, d := range declined {
		w.Declined = append(w.Declined, x.at(d))
	}
	return w
}
