package telegram_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// A client whose traces are easy to find: a chat id no timestamp or
// random id will contain by accident, a name and @username found nowhere
// else, and a note of the practice's.
const (
	zebID   = 5987134602
	zebNote = "Kestrel-memo-5521: prefers mornings"
)

var zebNeedles = []string{strconv.Itoa(zebID), "Zebulon", "Quillfeather", "zquill_8841", "Kestrel-memo-5521"}

// buttonData is the callback data of the button labelled label on m.
func buttonData(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q on %q", label, m.Text)
	return ""
}

// TestErasureLeavesNoTrace is the test: a client books, pays, is
// refunded, writes to the practice (who answers), gets a note and a
// no-show, joins the waitlist and writes after hours; exports their data;
// asks to erase it (refused while a booking is ahead, and a forged
// confirmation from someone else does nothing); and once erased and swept
// by the worker, no key or value in Redis holds their name, @username,
// chat id or the practice's note about them. What the law keeps remains:
// the paid booking's amounts and PayPal ids, without them.
func TestErasureLeavesNoTrace(t *testing.T) {
	st := storagetest.MustStore(t)
	l := startLiveOn(t, st)
	ctx := context.Background()
	zeb := &tgUser{l: l, u: telegramtest.User{ID: zebID, FirstName: "Zebulon", LastName: "Quillfeather", Username: "zquill_8841", LanguageCode: "en"}}

	talk := l.bookTalk(zeb, "Tue 1/12", "10:00")
	zeb.say("/start intake").sees("Intake", "With Adi Levi")
	zeb.press("Thu 3/12").press("10:00").press("Confirm and pay")
	_, approve := zeb.payButton()
	l.visit(approve)
	zeb.sees("You're booked.")

	// Asked while sessions are ahead: refused, saying what to do.
	zeb.say("/privacy").sees("Your data", "Bookings on record: 2 (2 upcoming)", "@zquill_8841")
	zeb.press("🗑 Erase my data").sees("Erase your data?", "7 years")
	zeb.press("🗑 Yes, erase my data").sees("I can't erase your data yet", "Tuesday 1 December 2026, 10:00–10:50 is booked. Cancel it first in /my", "Nothing has been erased.")

	zeb.say("/my").sees("Your upcoming bookings")
	zeb.press("Cancel 2").press("Yes, cancel it").sees("Cancelled.", "₪350.50 has been refunded")
	zeb.say("/start talk").sees("Talk session")
	zeb.press("Adi Levi").press("Wed 2/12").press("🔔 Join the waitlist for this day").press("Mornings (before 12:00)").sees("You're on the waitlist.")
	zeb.say("Hello, a question about Tuesday").sees("passed on to Adi Levi")
	relayed := l.waitChat(9001, "relay", lastHas("Hello, a question about Tuesday"))
	l.settle() // the relay is remembered once sent
	l.fake.SendReply(telegramtest.User{ID: 9001, FirstName: "Adi"}, relayed[len(relayed)-1].ID, "Of course, see you then.")
	zeb.sees("Of course, see you then.")

	l.clock.Set(talk.Start.Add(20 * time.Minute))
	adi := l.admin(9011, "Adi")
	adi.say("/today").press("10:00 · Zebulon Quillfeather").press("לא הגיע/ה").sees("לא הגיע/ה")
	adi.press("הערה").sees("כתבו את ההערה הפרטית")
	adi.say(zebNote).sees("📝", zebNote)
	l.clock.Set(time.Date(2026, 12, 1, 21, 0, 0, 0, l.p.Location))
	zeb.say("One more thing, after hours").sees("outside the practice's messaging hours")

	// The copy: a JSON file with everything, and a summary.
	before := len(files(l.fake.Messages(zebID)))
	zeb.say("/privacy").press("📄 Send me a copy").sees("Your data", "Bookings on record: 2", "Notes by the practice: 1", "Waitlist entries: 1")
	docs := files(l.waitChat(zebID, "the copy", func(ms []telegramtest.Message) bool { return len(files(ms)) > before }))
	var f tori.ExportFile
	if len(docs) == 0 || json.Unmarshal(docs[len(docs)-1].File.Data, &f) != nil {
		t.Fatalf("no JSON copy: %d files", len(docs))
	}
	if f.You.TelegramID != zebID || f.You.Name != "Zebulon Quillfeather" || len(f.Bookings) != 2 || f.Bookings[0].Note != zebNote ||
		f.Bookings[1].PayPal == nil || f.Bookings[1].Refunded != "350.50 ILS" || len(f.Waitlist) != 1 || len(f.Strikes) != 1 ||
		len(f.Messages) != 1 || f.Relayed != 2 {
		t.Fatalf("the copy:\n%s", docs[len(docs)-1].File.Data)
	}
	paid := f.Bookings[1].ID

	// A confirmation forged by someone else does nothing to anyone.
	zeb.press("🗑 Erase my data").sees("Erase your data?")
	asked := withoutFiles(l.fake.Messages(zebID))
	token := buttonData(t, asked[len(asked)-1], "🗑 Yes, erase my data")
	omer := l.user(102, "Omer", "en")
	omer.say("/start")
	omer.pressData(token).sees("out of date", "nothing was erased")
	if a, err := l.bookings.Store.Appointment(ctx, talk.ID); err != nil || a.Client.ID != zebID || a.Note != zebNote {
		t.Fatalf("a forged confirmation touched the client: %+v %v", a, err)
	}

	zeb.press("🗑 Yes, erase my data").sees("Your data has been erased.", "book again from")
	l.waitChat(9001, "the therapist told", lastHas("מחק/ה את הנתונים האישיים"))
	if told := withoutFiles(l.fake.Messages(9001)); strings.Contains(told[len(told)-1].Text, "Zebulon") {
		t.Fatalf("the therapist's notice names the client: %q", told[len(told)-1].Text)
	}

	// The worker sweeps once more, after any step in flight has ended.
	p := &tori.Privacy{Practice: l.p, Store: st, Now: l.clock.Now}
	l.clock.Set(l.clock.Now().Add(tori.SweepAfter))
	if done, _, err := p.ContinueErasure(ctx, zebID, 2*time.Minute); err != nil || !done {
		t.Fatalf("the sweep: %v %v", done, err)
	}

	// Nothing of them is left; the chat's lock of the last update goes
	// once that update is done.
	var found []string
	deadline := time.Now().Add(wait)
	for found = scanFor(t, st, zebNeedles); len(found) > 0 && time.Now().Before(deadline); found = scanFor(t, st, zebNeedles) {
		time.Sleep(20 * time.Millisecond)
	}
	if len(found) > 0 {
		t.Fatalf("traces of the erased client:\n%s", strings.Join(found, "\n"))
	}
	a, err := l.bookings.Store.Appointment(ctx, paid)
	if err != nil || a.Paid.Amount != 35050 || a.Refunded.Amount != 35050 || a.CaptureID == "" || a.RefundID == "" || a.Client != (tori.Client{}) {
		t.Fatalf("the money record: %+v %v", a, err)
	}
}

// scanFor lists every key under st's prefix whose name or value (of any
// type; a sorted set's scores too) holds one of needles.
func scanFor(t *testing.T, st *storage.Store, needles []string) []string {
	t.Helper()
	return storagetest.Naming(storagetest.AllText(t, st.Redis, st.Prefix), needles...)
}

// TestPrivacyInHebrew: /privacy speaks Hebrew, periods included.
func TestPrivacyInHebrew(t *testing.T) {
	l := startLive(t)
	omer := l.user(102, "עומר", "he")
	omer.say("/privacy").sees("הנתונים שלכם", "24 חודשים", "7 שנים")
	omer.press("🗑 מחיקת הנתונים שלי").sees("למחוק את הנתונים שלכם?")
	omer.press("לא למחוק").sees("הנתונים שלכם")
	if !strings.Contains(l.fake.Commands("he"), `"command":"privacy"`) {
		t.Fatalf("no /privacy in the command menu: %s", l.fake.Commands("he"))
	}
}
