package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/bot"
	"github.com/tori-bot/tori/internal/bidi"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

func span(a, b string) tori.Span {
	s, _ := tori.ParseMinute(a)
	e, _ := tori.ParseMinute(b)
	return tori.Span{Start: s, End: e}
}

// testPractice: Adi (therapist ids 9001, 9011) and Noa (9002) in Tel Aviv.
// "talk" 50 min + 10 buffer with either; "video" remote 45 min with Adi;
// "intake" 60 min with Adi, prepaid ₪350.50; "couple" 60 min with Noa, a
// 30% deposit of ₪600.
func testPractice() *tori.Practice {
	var adi, noa tori.WeeklyHours
	for d := time.Sunday; d <= time.Thursday; d++ {
		adi[d] = []tori.Span{span("09:00", "13:00"), span("15:00", "19:00")}
		noa[d] = []tori.Span{span("12:00", "20:00")}
	}
	loc, _ := time.LoadLocation("Asia/Jerusalem")
	p := &tori.Practice{
		Name: "Tel Aviv Therapy", Location: loc, Language: "en", Address: "1 Herzl St, Tel Aviv",
		Contact: "03-555-0100 or office@tlvtherapy.example",
		Therapists: []tori.Therapist{
			{ID: "adi", Name: "Adi Levi", TelegramIDs: []int64{9001, 9011}, Hours: adi, Lang: "he"},
			{ID: "noa", Name: "Noa Cohen", TelegramIDs: []int64{9002}, Hours: noa},
		},
		Services: []tori.Service{
			{ID: "talk", Names: map[string]string{"en": "Talk session", "he": "פגישת שיחה"}, Duration: 50 * time.Minute, BufferAfter: 10 * time.Minute, Price: tori.Money{Amount: 35000, Currency: "ILS"}},
			{ID: "video", Names: map[string]string{"en": "Video session", "he": "פגישת וידאו"}, Duration: 45 * time.Minute, Price: tori.Money{Amount: 30050, Currency: "ILS"}, Remote: true, MeetingLink: "https://meet.example/adi", TherapistIDs: []string{"adi"}},
			{ID: "intake", Names: map[string]string{"en": "Intake", "he": "פגישת היכרות"}, Duration: 60 * time.Minute, Price: tori.Money{Amount: 35050, Currency: "ILS"}, Payment: tori.PayFull, TherapistIDs: []string{"adi"}},
			{ID: "couple", Names: map[string]string{"en": "Couples session", "he": "טיפול זוגי"}, Duration: 60 * time.Minute, Price: tori.Money{Amount: 60000, Currency: "ILS"}, Payment: tori.PayDeposit, DepositPercent: 30, TherapistIDs: []string{"noa"}},
		},
		Policy: tori.DefaultPolicy(),
		Staff:  []int64{9500},
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// world is one practice's bot over a real Redis, with a clock at Monday 30
// November 2026, 10:00 in Jerusalem.
type world struct {
	t        *testing.T
	bot      *bot.Bot
	bookings *tori.Bookings
	store    *storage.Store
	clock    *fakeClock
	p        *tori.Practice
	mu       sync.Mutex
	msgID    int
	inbox    map[int64][]bot.Reply // every message each chat received, in order
}

func newWorld(t *testing.T) *world {
	t.Helper()
	p := testPractice()
	st := storagetest.MustStore(t)
	clk := &fakeClock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, p.Location)}
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	bk := &tori.Bookings{Practice: p, Store: st, Now: clk.Now}
	b, err := bot.New(bot.Config{Practice: p, Bookings: bk, Store: st, Now: clk.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, bot: b, bookings: bk, store: st, clock: clk, p: p, inbox: map[int64][]bot.Reply{}}
}

// user is one Telegram user chatting with the bot; screen is the message
// the flow runs in (edited in place, as Telegram would show it).
type user struct {
	w        *world
	c        tori.Client
	screen   bot.Reply
	screenID int
	notice   string
}

func (w *world) user(id int64, name, lang string) *user {
	return &user{w: w, c: tori.Client{ID: id, ChatID: id, Name: name, Username: strings.ToLower(name), Lang: lang}}
}

func (w *world) deliver(res bot.Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range res.Replies {
		for _, bad := range []string{"<no value>", "%!", "{{"} {
			if strings.Contains(r.Text, bad) {
				w.t.Errorf("reply has %q: %s", bad, r.Text)
			}
		}
		for _, row := range r.Keyboard {
			for _, b := range row {
				if len(b.Data) > 64 || (b.Data == "" && b.URL == "") {
					w.t.Errorf("button %q has data %q", b.Text, b.Data)
				}
			}
		}
		w.inbox[r.ChatID] = append(w.inbox[r.ChatID], r)
	}
}

func (u *user) take(res bot.Result) {
	u.w.deliver(res)
	u.notice = res.Notice
	for _, r := range res.Replies {
		if r.ChatID != u.c.ChatID || r.Document != nil {
			continue
		}
		if r.EditID == 0 {
			u.w.mu.Lock()
			u.w.msgID++
			u.screenID = u.w.msgID
			u.w.mu.Unlock()
		}
		u.screen = r
	}
}

func (u *user) say(text string) *user {
	u.w.t.Helper()
	u.take(u.w.bot.Handle(context.Background(), bot.Input{User: u.c, Text: text}))
	return u
}

func (u *user) pressData(data string) *user {
	u.take(u.w.bot.Handle(context.Background(), bot.Input{User: u.c, Data: data, MessageID: u.screenID, CallbackID: "cq"}))
	return u
}

// press taps the button on the current screen whose label contains label.
func (u *user) press(label string) *user {
	u.w.t.Helper()
	b, ok := u.button(label)
	if !ok {
		u.w.t.Fatalf("%s: no button %q on screen:\n%s\n%v", u.c.Name, label, u.screen.Text, labels(u.screen))
	}
	return u.pressData(b.Data)
}

func (u *user) button(label string) (bot.Button, bool) {
	for _, row := range u.screen.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b, true
			}
		}
	}
	return bot.Button{}, false
}

func labels(r bot.Reply) []string {
	var out []string
	for _, row := range r.Keyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

func (u *user) sees(parts ...string) *user {
	u.w.t.Helper()
	for _, p := range parts {
		if !strings.Contains(shown(u.screen.Text), p) {
			u.w.t.Fatalf("%s: screen lacks %q:\n%s", u.c.Name, p, u.screen.Text)
		}
	}
	return u
}

func (w *world) last(chat int64) bot.Reply {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := w.inbox[chat]
	if len(in) == 0 {
		w.t.Fatalf("chat %d received nothing", chat)
	}
	return in[len(in)-1]
}

func (w *world) count(chat int64) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.inbox[chat])
}

var tags = regexp.MustCompile(`<[^>]+>`)

// shown is a text as a person reads it: without the invisible word joiners
// that keep a time range on one line.
func shown(s string) string { return strings.ReplaceAll(s, bidi.WJ, "") }

func plain(s string) string { return tags.ReplaceAllString(s, "") }

// TestWeekOpensOnTheFirstFreeTime: a calendar opens on the week of the
// first free time, this week or a later one, and says so when there is
// none in the whole horizon.
func TestWeekOpensOnTheFirstFreeTime(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start intake").sees("Choose a day")
	if got := labels(dana.screen); !slices.Contains(got, "Mon 30/11") {
		t.Fatalf("this week has free times; the days offered: %v", got)
	}
	// Adi is away for the rest of this week and the next: the calendar
	// opens on the week after, with its own days.
	sun13 := tori.Date{Year: 2026, Month: 12, Day: 13}
	for d := tori.DateOf(w.clock.Now()); d.Before(sun13); d = d.AddDays(1) {
		w.p.Therapists[0].DaysOff = append(w.p.Therapists[0].DaysOff, d)
	}
	dana.say("/start intake").sees("Choose a day")
	if got := labels(dana.screen); !slices.Contains(got, "Sun 13/12") || slices.Contains(got, "Mon 30/11") || slices.Contains(got, "Mon 7/12") {
		t.Fatalf("Adi's first free day is Sunday 13/12; the days offered: %v", got)
	}
	// Away for the whole horizon: nothing to choose, and it is said.
	for d := sun13; !d.After(w.p.LastBookableDay(w.clock.Now())); d = d.AddDays(1) {
		w.p.Therapists[0].DaysOff = append(w.p.Therapists[0].DaysOff, d)
	}
	dana.say("/start intake").sees("There are no free times in the next")
}

func TestBookCancelFlow(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start").sees("Hello Dana!", "Tel Aviv Therapy")
	dana.press("Book a session").sees("Which session")
	dana.press("Talk session").sees("Who would you like to see?")
	dana.press("Adi Levi").sees("Choose a day")
	// The first week with free times is this week (Sunday 29/11 - Saturday 5/12);
	// Monday 30/11 still has afternoon times after the 2-hour notice.
	if _, ok := dana.button("Sun 29/11"); ok {
		t.Fatal("a past day is offered")
	}
	if _, ok := dana.button("Fri 4/12"); ok {
		t.Fatal("a day without working hours is offered")
	}
	if _, ok := dana.button("Previous week"); ok {
		t.Fatal("the week before this one is offered")
	}
	dana.press("Tue 1/12").sees("Tuesday 1 December 2026: choose a time.")
	dana.press("10:00").sees(
		"Please check your booking", "Talk session", "50 minutes", "With: Adi Levi",
		"When: Tuesday 1 December 2026, 10:00–10:50", "Where: 1 Herzl St, Tel Aviv", "Price: ₪350, paid at the session",
		"Cancelling is free of charge up to 48 hours before the session.",
		"Later cancellations cost 50% of the price up to 24 hours before, and the full price after that.",
		"held for you until <b>10:15</b>")
	notified := w.count(9001)
	dana.press("Confirm").sees("You're booked.", "When: Tuesday 1 December 2026, 10:00–10:50",
		"You can reschedule online until Monday 30 November 2026, 10:00.", "send /my")
	// Within 48 hours already, so no free-cancellation line.
	if strings.Contains(dana.screen.Text, "free of charge until") {
		t.Fatalf("free cancellation offered 24 hours ahead:\n%s", dana.screen.Text)
	}
	// Both of Adi's Telegram ids are told, in Adi's language (Hebrew).
	for _, id := range []int64{9001, 9011} {
		n := w.last(id)
		if !strings.Contains(n.Text, "תור חדש") || !strings.Contains(n.Text, "tg://user?id=101") || !strings.Contains(n.Text, "@dana") || !strings.Contains(shown(n.Text), "10:00–10:50") {
			t.Fatalf("therapist %d notice: %s", id, n.Text)
		}
	}
	if w.count(9001) != notified+1 {
		t.Fatal("the therapist was not told exactly once")
	}
	// A second press on Confirm tells nobody twice.
	dana.pressData(dana.screen.Keyboard[0][0].Data) // My bookings button is on the confirmation
	dana.say("/my").sees("Your upcoming bookings", "Talk session", "Tuesday 1 December 2026, 10:00–10:50")
	dana.press("Cancel 1").sees("Cancel this session?", "You are cancelling 24 hours before the session.",
		"a cancellation this late costs 50% of the price (₪175)")
	dana.press("No, keep it").sees("Your upcoming bookings")
	dana.press("Cancel 1")
	w.clock.Set(w.clock.Now().Add(2 * time.Hour)) // now 22 hours before: another tier
	dana.press("Yes, cancel it").sees("the time has passed a boundary of the cancellation policy",
		"a cancellation this late costs the full price (₪350)")
	yes, _ := dana.button("Yes, cancel it")
	dana.press("Yes, cancel it").sees("Cancelled.", "Adi Levi has been told")
	told := w.count(9001)
	// A double tap: the cancellation stays on the screen, and nobody is told twice.
	dana.pressData(yes.Data).sees("Cancelled.", "Adi Levi has been told")
	if w.count(9001) != told {
		t.Fatal("the therapist was told of one cancellation twice")
	}
	n := w.last(9001)
	if !strings.Contains(n.Text, "ביטול על ידי הלקוח/ה") || !strings.Contains(n.Text, "22 שעות") || !strings.Contains(n.Text, "0%") {
		t.Fatalf("cancel notice: %s", n.Text)
	}
	dana.say("/my").sees("You have no upcoming bookings.")
}

func TestRaceLoserGetsNearestTimes(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	for _, u := range []*user{dana, omer} {
		u.say("/start video").sees("Video session", "With Adi Levi")
		u.press("Tue 1/12")
	}
	dana.press("10:00").sees("held for you until")
	// The nearest times come from the failed hold's own read.
	reads := &busyReads{Store: w.bookings.Store}
	w.bookings.Store = reads
	omer.press("10:00").sees("Sorry, Tue 1/12 10:00 was just taken by someone else. These are the nearest free times:")
	if reads.n != 0 {
		t.Fatalf("the loser's nearest times took %d more reads of busy times", reads.n)
	}
	if _, ok := omer.button("Tue 1/12 10:00"); ok {
		t.Fatal("the taken time is offered again")
	}
	omer.press("Tue 1/12 09:00").sees("held for you until")
	dana.press("Confirm").sees("You're booked.", "join here: https://meet.example/adi")
	omer.press("Confirm").sees("You're booked.")
}

// busyReads counts the reads of busy times that are not a hold's own.
type busyReads struct {
	tori.Store
	n int
}

func (b *busyReads) BusyAll(ctx context.Context, ids []string, from, to, now time.Time) ([][]tori.Interval, error) {
	b.n++
	return b.Store.BusyAll(ctx, ids, from, to, now)
}

func TestRescheduleFlow(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Noa Cohen").press("Thu 3/12").press("14:00").press("Confirm").sees("You're booked.",
		"You can cancel free of charge until Tuesday 1 December 2026, 14:00.")
	dana.say("/my").press("Reschedule 1").sees("Reschedule", "Your current time stays booked")
	dana.press("Thu 3/12").press("14:30").sees("Move your session?", "Thursday 3 December 2026, 14:00–14:50", "To: <b>Thursday 3 December 2026, 14:30–15:20</b>")
	// While the move is pending the old time is still Dana's: Omer cannot take 13:30.
	omer := w.user(102, "Omer", "he")
	omer.say("/start talk").press("Noa Cohen").press("ה׳ 3/12")
	if _, ok := omer.button("13:30"); ok {
		t.Fatal("13:30 overlaps Dana's current booking, still held during the move")
	}
	dana.press("Confirm the new time").sees("Your session has been moved.", "Now: <b>Thursday 3 December 2026, 14:30–15:20</b>", "Was: <s>Thursday 3 December 2026, 14:00–14:50</s>")
	n := w.last(9002)
	if !strings.Contains(n.Text, "Rescheduled by the client") || !strings.Contains(n.Text, "was") && !strings.Contains(shown(n.Text), "Was: Thursday 3 December 2026, 14:00–14:50") {
		t.Fatalf("reschedule notice: %s", n.Text)
	}
	dana.say("/my").sees("14:30–15:20")
	if strings.Contains(shown(dana.screen.Text), "14:00–14:50") {
		t.Fatal("the old time is still listed")
	}
	// Too late to move: the day before.
	w.clock.Set(time.Date(2026, 12, 2, 18, 0, 0, 0, w.p.Location))
	dana.say("/my").press("Reschedule 1").sees("Sessions can be moved online up to 24 hours before")
}

func TestHebrewFlow(t *testing.T) {
	w := newWorld(t)
	omer := w.user(102, "עומר", "he")
	omer.say("/start").sees("שלום", "אני העוזר לקביעת תורים")
	omer.press("קביעת פגישה").press("פגישת שיחה").press("מי שפנוי ראשון").sees("בחרו יום")
	omer.press("ג׳ 1/12").sees("יום שלישי, 1 בדצמבר 2026: בחרו שעה.")
	omer.press("12:00").sees("בדקו בבקשה את פרטי התור", "מחיר: \u2066350\u00a0₪\u2069, תשלום בפגישה", "מדיניות ביטולים:", "ביטול לפחות 48 שעות לפני הפגישה הוא ללא עלות.")
	omer.press("אישור").sees("התור נקבע.", "אצל: \u2068Adi Levi\u2069", "2026, \u206612:00–12:50\u2069")
	omer.say("/my").press("ביטול 1").sees("לבטל את הפגישה?", "אתם מבטלים 26 שעות לפני הפגישה.").press("כן, לבטל").sees("הפגישה בוטלה.")
	// The second "first available" booking at the same time goes to Noa.
	dana := w.user(101, "Dana", "en")
	omer.say("/book").press("פגישת שיחה").press("מי שפנוי ראשון").press("ג׳ 1/12").press("12:00").press("אישור")
	dana.say("/book").press("Talk session").press("First available").press("Tue 1/12").press("12:00").press("Confirm").sees("With: Noa Cohen")
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "fr") // a language we do not speak: the practice's (English)
	dana.say("/start").sees("Hello Dana!")
	dana.say("/language").press("עברית").sees("שלום \u2068Dana\u2069!")
	if dana.notice != "השפה שונתה" {
		t.Fatalf("notice = %q", dana.notice)
	}
	dana.say("/help").sees("איך קובעים תור", "מדיניות ביטולים")
	dana.press("English").sees("Hello Dana!")
}

func TestUntrustedInput(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Tue 1/12").press("10:00").press("Confirm")
	var apptID string
	dana.say("/my")
	for _, row := range dana.screen.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Data, "q:") {
				apptID = strings.TrimPrefix(b.Data, "q:")
			}
		}
	}
	if apptID == "" {
		t.Fatal("no cancel button")
	}
	// Omer forges Dana's buttons: he learns nothing and changes nothing.
	for _, data := range []string{"q:" + apptID, "qq:" + apptID, "r:" + apptID, "rt:" + apptID + ":" + strings.Repeat("1", 6), "k:" + apptID, "x:" + apptID, "c:" + apptID} {
		omer.pressData(data)
		if strings.Contains(omer.screen.Text, "Video session") || strings.Contains(omer.screen.Text, "10:00") {
			t.Fatalf("%s showed Dana's booking to Omer:\n%s", data, omer.screen.Text)
		}
	}
	dana.say("/my").sees("Video session", "10:00–10:45")
	// Forged and malformed data: a plain message, never a crash.
	for _, data := range []string{"", "zz", "t:video:adi:zzzzzz", "t:video:noa:" + "qz0000", "w:nope:*:20261201", "d:video:adi:20261301", strings.Repeat("x", 200), "t:video:adi:1", "s:../../etc"} {
		omer.pressData(data)
		if omer.screen.Text == "" {
			t.Fatalf("no reply to %q", data)
		}
	}
	// A time that is not offered (3:07 in the morning) cannot be held.
	at := time.Date(2026, 12, 1, 3, 7, 0, 0, w.p.Location)
	omer.pressData(fmt.Sprintf("t:video:adi:%s", strconvUnixMinutes(at))).sees("was just taken")
	omer.say("/nonsense").sees("I don't know the command /nonsense")
	omer.say("hello <b>there</b>").sees("Your message has been passed on to Adi Levi.")
	if n := w.last(9001); !strings.Contains(n.Text, "hello &lt;b&gt;there&lt;/b&gt;") || n.RelayFrom != 102 {
		t.Fatalf("relayed as %+v", n)
	}
	omer.say("/start nope").sees("Hello Omer!")
}

// TestConfirmAfterChoosingAnotherTime: the summary of a hold let go (by
// choosing another time) says the hold is gone, not that someone took it.
func TestConfirmAfterChoosingAnotherTime(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
	old := dana.screen
	oldID := dana.screenID
	dana.say("/start video").press("Wed 2/12").press("11:00").sees("held for you")
	dana.screen, dana.screenID = old, oldID
	dana.press("Confirm").sees("This time is no longer held for you")
	if strings.Contains(dana.screen.Text, "taken") {
		t.Fatalf("blamed someone else:\n%s", dana.screen.Text)
	}
}

// TestMoveOfCancelledBooking: confirming a move of a booking cancelled
// meanwhile (from another message) says so and lets the new time go.
func TestMoveOfCancelledBooking(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").press("Confirm").sees("You're booked.")
	dana.say("/my").press("Reschedule 1").press("Thu 3/12").press("10:00").sees("Move your session?")
	moving, movingID := dana.screen, dana.screenID
	dana.say("/my").press("Cancel 1").press("Yes, cancel it").sees("Cancelled.")
	dana.screen, dana.screenID = moving, movingID
	dana.press("Confirm the new time").sees("This booking can no longer be moved")
	omer.say("/start video").press("Thu 3/12").press("10:00").sees("held for you")
}

// TestForgedAbandonLeavesOwnHold: pressing "Cancel" with someone else's hold
// id neither releases theirs nor forgets one's own.
func TestForgedAbandonLeavesOwnHold(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Wed 2/12").press("10:00").sees("held for you")
	danaHold := strings.TrimPrefix(dana.screen.Keyboard[0][0].Data, "k:")
	omer.say("/start video").press("Wed 2/12").press("11:00").sees("held for you")
	omer.pressData("x:" + danaHold).sees("no longer held for you")
	omer.say("/cancel").sees("Stopped. Nothing was booked")
	// Dana's hold is intact: Omer cannot take 10:00.
	omer.say("/start video").press("Wed 2/12")
	if _, ok := omer.button("10:00"); ok {
		t.Fatal("Dana's held 10:00 is offered to Omer")
	}
}

func TestRepeatOffenderIsToldWhy(t *testing.T) {
	w := newWorld(t)
	w.p.Policy.RepeatCount, w.p.Policy.RepeatWithin = 1, 90*24*time.Hour
	dana := w.user(101, "Dana", "en")
	dana.say("/start talk").press("Adi Levi").press("Tue 1/12").press("15:00").press("Confirm").sees("You're booked.")
	dana.say("/my").press("Cancel 1").sees("You are cancelling 29 hours before the session.").press("Yes, cancel it").sees("Cancelled.")
	dana.say("/start talk").press("Adi Levi").press("Wed 2/12").press("15:00").sees(
		"Because of a late cancellation or a missed session in the last 90 days, this booking is paid in full in advance.",
		"Price: ₪350, paid in full now with PayPal")
	if _, ok := dana.button("Confirm and pay ₪350"); !ok {
		t.Fatalf("no pay button: %v", labels(dana.screen))
	}
}

// TestReminderButtons: a reminder's "I'll be there" is recorded and
// thanked; its Cancel leads to the usual quote.
func TestReminderButtons(t *testing.T) {
	w := newWorld(t)
	dana, omer := w.user(101, "Dana", "en"), w.user(102, "Omer", "en")
	dana.say("/start video").press("Thu 3/12").press("10:00").press("Confirm").sees("You're booked.")
	as, _ := w.store.ClientAppointments(context.Background(), 101, time.Time{})
	w.clock.Set(as[0].Start.Add(-24 * time.Hour))
	rs := w.bot.ReminderReplies(context.Background(), as[0], 24*time.Hour)
	if len(rs) != 1 || rs[0].ChatID != 101 || rs[0].EditID != 0 {
		t.Fatalf("%+v", rs)
	}
	w.deliver(bot.Result{Replies: rs})
	dana.screen, dana.screenID = rs[0], 777
	dana.sees("A reminder of your session", "Video session with Adi Levi, Thursday 3 December 2026, 10:00–10:45", "join here: https://meet.example/adi")
	// Omer pressing Dana's button learns nothing.
	omer.pressData(rs[0].Keyboard[0][0].Data).sees("That booking was not found")
	dana.press("I'll be there").sees("Thank you for letting us know. See you on Thursday 3 December 2026, 10:00–10:45.")
	if dana.notice != "Thank you!" {
		t.Fatalf("notice %q", dana.notice)
	}
	a, _ := w.store.Appointment(context.Background(), as[0].ID)
	if !a.Attending {
		t.Fatal("not recorded")
	}
	dana.screen = rs[0]
	dana.press("Cancel").sees("Cancel this session?", "You are cancelling 24 hours before the session.")
}

// TestTextDuringAFlowIsNotRelayed: text typed while holding a time gets a
// hint, not a message to the therapist.
func TestTextDuringAFlowIsNotRelayed(t *testing.T) {
	w := newWorld(t)
	dana := w.user(101, "Dana", "en")
	dana.say("/start video").press("Tue 1/12").press("10:00").sees("held for you")
	before := w.count(9001)
	dana.say("is this ok?").sees("You are in the middle of booking")
	if w.count(9001) != before {
		t.Fatal("relayed during a flow")
	}
	dana.say("/cancel").sees("Stopped.")
	dana.say("is this ok?").sees("Your message has been passed on")
}
