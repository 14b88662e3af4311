package telegram_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/metrics"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// offlineClient keeps a client without Telegram, as the practice would.
func (l *live) offlineClient(name, phone string) tori.OfflineClient {
	l.t.Helper()
	o, err := tori.NewOfflineClient(name, phone, l.p.Clients)
	if err != nil {
		l.t.Fatal(err)
	}
	kept, err := l.bookings.Store.(tori.OfflineStore).CreateOfflineClient(context.Background(), o, l.clock.Now())
	if err != nil {
		l.t.Fatal(err)
	}
	return kept
}

// bookOffline books Adi's talk session at start for a client without
// Telegram (the practice's own booking comes with issue 19's /book; the
// use case is the same).
func (l *live) bookOffline(o tori.OfflineClient, start time.Time) tori.Appointment {
	l.t.Helper()
	ctx := context.Background()
	h, err := l.bookings.Hold(ctx, o.Client(), "talk", "adi", start, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	a, err := l.bookings.Confirm(ctx, o.Client(), h.ID)
	if err != nil {
		l.t.Fatal(err)
	}
	return a
}

// sentTo lists the messages and files the bot tried to send to chat.
func (l *live) sentTo(chat int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range l.fake.Calls() {
		if c.Form["chat_id"] == strconv.FormatInt(chat, 10) && strings.HasPrefix(c.Method, "send") {
			out = append(out, c)
		}
	}
	return out
}

// TestOfflineClientAddedAndFound: the staff adds a client without Telegram
// from /client's usage answer (a phone it cannot read is asked again),
// and finds them by name and by the phone written another way.
func TestOfflineClientAddedAndFound(t *testing.T) {
	l := startLive(t)
	ruth := l.admin(9500, "Ruth")
	ruth.say("/client").sees("Write /client")
	ruth.press("➕ New client without Telegram").sees("A client without Telegram", "Type their name")
	ruth.say("Dana Cohen").sees("Dana Cohen’s phone number")
	ruth.say("12ab").sees("not a phone number")
	card := ruth.say("050-123 4567").sees("Dana Cohen", "(no Telegram)", "No Telegram", "+972501234567")
	if !strings.Contains(labelsOf(card), "Send an invite link") {
		t.Fatalf("card buttons %s", labelsOf(card))
	}

	ruth.say("/client cohen").sees("Dana Cohen", "No Telegram")
	ruth.say("/client +972 50-123-4567").sees("Dana Cohen", "No Telegram")
	ruth.say("/client new").sees("Type their name")
	ruth.say("/cancel")
	ruth.say("/client nobody-here").sees("No client nobody-here")

	// In Hebrew, for Adi, with a number from abroad.
	adi := l.admin(9001, "Adi")
	adi.say("/client new").sees("לקוח/ה בלי טלגרם", "כתבו את השם")
	adi.say("יוסי מזרחי").sees("מספר הטלפון של")
	adi.say("+44 7700 900123").sees("יוסי מזרחי", "(בלי טלגרם)", "+447700900123")
	ruth.say("/client מזרחי").sees("יוסי מזרחי", "No Telegram")
}

// TestOfflineClientNeverMessaged: a client without Telegram booked with
// Adi gets nothing (its reminders come due, the practice cancels) while
// their session shows in the agenda and the feed by name, and the staff
// is told to call them; the worker does not try again.
func TestOfflineClientNeverMessaged(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()
	dana := l.offlineClient("Dana Cohen", "0501234567")
	a := l.bookOffline(dana, time.Date(2026, 12, 3, 10, 0, 0, 0, l.p.Location))
	if a.Client.ChatID != 0 || !a.Client.Offline() {
		t.Fatalf("client %+v", a.Client)
	}

	// The reminders come due: the worker sends nothing, and is done with them.
	withheld := testutil.ToFloat64(metrics.MessagesWithheld)
	w := l.otherWorker()
	l.runWorker(w, 47*time.Hour)
	l.runWorker(w, 30*time.Minute)
	l.clock.Set(time.Date(2026, 12, 3, 8, 0, 0, 0, l.p.Location))
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testutil.ToFloat64(metrics.MessagesWithheld) - withheld; n < 2 {
		t.Fatalf("%v reminders withheld, want 2", n)
	}

	// The agenda and the feed name them.
	ruth := l.admin(9500, "Ruth")
	ruth.say("/today").sees("Thursday 3 December 2026: one session", "Dana Cohen", "(no Telegram)")
	st := l.bookings.Store.(*storage.Store)
	token, err := st.CalendarToken(ctx, "adi")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(l.web.URL + "/calendar/adi.ics?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(feed), "SUMMARY:Dana · ") {
		t.Fatalf("feed:\n%s", feed)
	}

	// The practice cancels: told to call them, who are told nothing.
	ruth.press("10:00 · Dana Cohen").press("✖ Cancel as the practice").press("Yes: cancel, refund in full, apologise")
	ruth.sees("Cancelled as the practice.", "has no Telegram", "+972501234567")
	l.settle()
	for _, chat := range []int64{0, dana.ID} {
		if sent := l.sentTo(chat); len(sent) > 0 {
			t.Fatalf("sent to chat %d: %+v", chat, sent)
		}
	}
}

var inviteLink = regexp.MustCompile(`https://t\.me/` + telegramtest.BotUsername + `\?start=(i[a-z0-9]{20})`)

// invite has the staff make the client's invite link from their card, and
// returns its token.
func (l *live) invite(ruth *tgUser, o tori.OfflineClient) string {
	l.t.Helper()
	ruth.say("/client "+o.Phone).sees(o.Name, "No Telegram")
	m := ruth.press("✉️ Send an invite link").sees("Invite link for "+o.Name, "It works once")
	got := inviteLink.FindStringSubmatch(m.Text)
	if got == nil {
		l.t.Fatalf("no link in %q", m.Text)
	}
	return got[1]
}

// TestInviteLinkAttaches: the client opens the invite link the practice
// forwarded: they are welcomed with their sessions, Adi is told, a second
// person opening it is refused, and the next reminder reaches the client.
func TestInviteLinkAttaches(t *testing.T) {
	l := startLive(t)
	dana := l.offlineClient("Dana Cohen", "0501234567")
	a := l.bookOffline(dana, time.Date(2026, 12, 3, 10, 0, 0, 0, l.p.Location))
	token := l.invite(l.admin(9500, "Ruth"), dana)

	tg := l.user(301, "Dana", "en")
	tg.say("/start "+token).sees("Welcome, Dana Cohen!", "Talk session with Adi Levi, Thursday 3 December 2026, 10:00")
	l.settle()
	if _, err := l.fake.Wait(9001, wait, lastHas("Dana Cohen", "קישור ההזמנה", "+972501234567")); err != nil {
		t.Fatal("Adi not told: ", err)
	}
	if _, err := l.fake.Wait(9500, wait, lastHas("Dana Cohen", "opened their invite link")); err != nil {
		t.Fatal("the staff not told: ", err)
	}
	l.user(302, "Omer", "en").say("/start " + token).sees("already used or has expired")
	got, err := l.bookings.Store.Appointment(context.Background(), a.ID)
	if err != nil || got.Client.ID != 301 || got.Client.ChatID != 301 {
		t.Fatalf("client %+v %v", got.Client, err)
	}

	// The day before, the reminder comes to their chat.
	w := l.otherWorker()
	l.runWorker(w, 47*time.Hour)
	tg.sees("A reminder of your session", "Thursday 3 December 2026")
}

// TestInviteLinkExpired: a link opened after clients.invite_valid is
// refused and attaches nothing.
func TestInviteLinkExpired(t *testing.T) {
	l := startLive(t)
	dana := l.offlineClient("Dana Cohen", "0501234567")
	token := l.invite(l.admin(9500, "Ruth"), dana)
	l.clock.Set(l.clock.Now().Add(l.p.Clients.InviteValid + time.Minute))
	l.user(301, "Dana", "en").say("/start " + token).sees("already used or has expired")
	if rec, _ := l.bookings.Store.(tori.OfflineStore).OfflineClient(context.Background(), dana.ID); rec.Became != 0 {
		t.Fatalf("attached: %+v", rec)
	}
}

// TestForgedClientButtons: a client pressing the practice's buttons for a
// client without Telegram (a new one, an invite, erasing) gets the client
// menu; nothing is made or erased, and no link is shown.
func TestForgedClientButtons(t *testing.T) {
	l := startLive(t)
	dana := l.offlineClient("Dana Cohen", "0501234567")
	omer := l.user(102, "Omer", "en")
	omer.say("/start").sees("Hello Omer!")
	id := strconv.FormatInt(dana.ID, 10)
	for _, data := range []string{"acn", "aci:" + id, "acf:" + id, "acx:" + id, "acl:" + id} {
		qid := l.fake.PressData(omer.u, withoutFiles(l.fake.Messages(102))[0].ID, data)
		if _, err := l.fake.WaitAnswered(qid, wait); err != nil {
			t.Fatal(err)
		}
		omer.sees("Hello Omer!")
		for _, m := range l.fake.Messages(102) {
			if strings.Contains(m.Text, "t.me/") || strings.Contains(m.Text, "Dana") {
				t.Fatalf("%s showed %q", data, m.Text)
			}
		}
	}
	if rec, err := l.bookings.Store.(tori.OfflineStore).OfflineClient(context.Background(), dana.ID); err != nil || rec.Name != "Dana Cohen" {
		t.Fatalf("record %+v %v", rec, err)
	}
}

// TestEraseOfflineClient: the staff erases a client without Telegram from
// their card: refused while a session is ahead; once it is cancelled, their
// name and phone are gone from Redis, the cancelled session kept without
// them.
func TestEraseOfflineClient(t *testing.T) {
	l := startLive(t)
	ctx := context.Background()
	dana := l.offlineClient("Dana Cohen", "0501234567")
	a := l.bookOffline(dana, time.Date(2026, 12, 3, 10, 0, 0, 0, l.p.Location))
	ruth := l.admin(9500, "Ruth")
	ruth.say("/client dana").sees("Dana Cohen", "No Telegram")
	ruth.press("🗑 Erase this client").sees("Erase Dana Cohen?")
	ruth.press("Yes, erase their details").sees("cannot be erased yet", "Cancel their sessions ahead first")

	if _, _, err := l.bookings.CancelByPractice(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	ruth.say("/client dana").sees("Dana Cohen", "No Telegram")
	ruth.press("🗑 Erase this client").press("Yes, erase their details").sees("Erased: the client's name and phone are gone")
	st := l.bookings.Store.(*storage.Store)
	if left := storagetest.Naming(storagetest.AllText(t, st.Redis, st.Prefix), "Dana", "501234567"); len(left) > 0 {
		t.Fatalf("left of the client: %v", left)
	}
	if got, err := l.bookings.Store.Appointment(ctx, a.ID); err != nil || got.Status != tori.StatusCancelledByPractice {
		t.Fatalf("the session: %+v %v", got, err)
	}
}
