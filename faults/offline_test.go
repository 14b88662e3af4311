//go:build faults

package faults_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/telegram/telegramtest"
)

// TestCrashWhileAttachingAnInvite: a client without Telegram has a session
// with Adi and one with Noa; the person they forwarded the invite to taps
// it, and the bot process is killed (SIGKILL) after one therapist's
// sessions moved to the Telegram account and before the other's. The
// attachment is finished by the tap delivered again to another bot
// process (the person is welcomed), or by the worker alone: both sessions
// theirs, their chat set, the intent gone.
func TestCrashWhileAttachingAnInvite(t *testing.T) {
	t.Parallel()
	for _, by := range []string{"client", "worker"} {
		t.Run(by, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newWorld(t)
			b := w.bot("bot", "TORI_FAULT=offline.attach_midway")
			rec, ids := w.offlineWithSessions()
			inv, err := w.store.NewInvite(ctx, rec.ID, time.Now().Add(time.Hour), time.Now())
			if err != nil {
				t.Fatal(err)
			}

			c := w.client(301)
			w.tg.SendText(c.u, "/start "+inv.Token)
			w.waitExit(b, 20*time.Second)
			if moved := w.movedTo(ids, c.u.ID); moved != 1 {
				t.Fatalf("died with %d of 2 sessions moved, want 1", moved)
			}

			// Telegram delivers the tap again until a process answers it:
			// once the dead one's claim on it runs out (2 minutes), the new
			// one claims the invite again (the same person: AGAIN) and
			// finishes. Or the worker takes the intent, a minute old.
			within := 3 * time.Minute
			if by == "client" {
				w.bot("bot2")
				if _, err := w.tg.Wait(c.u.ID, within, func(ms []telegramtest.Message) bool {
					return len(ms) > 0 && strings.Contains(ms[len(ms)-1].Text, "Welcome, Dana Cohen")
				}); err != nil {
					t.Fatal(err)
				}
			} else {
				w.worker("worker")
			}

			deadline := time.Now().Add(within)
			for w.movedTo(ids, c.u.ID) != 2 || w.rdb.ZCard(ctx, "tori:{o}:attach").Val() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%d of 2 sessions moved after %s", w.movedTo(ids, c.u.ID), within)
				}
				time.Sleep(200 * time.Millisecond) // polling the processes, with a deadline
			}
			if got, _ := w.store.OfflineClient(ctx, rec.ID); got.Became != c.u.ID {
				t.Fatalf("record %+v", got)
			}
		})
	}
}

// offlineWithSessions keeps a client without Telegram with a session
// tomorrow with Adi and one with Noa.
func (w *world) offlineWithSessions() (tori.OfflineClient, []string) {
	w.t.Helper()
	ctx := context.Background()
	o, _ := tori.NewOfflineClient("Dana Cohen", "0501234567", tori.DefaultClientsPolicy())
	rec, err := w.store.CreateOfflineClient(ctx, o, time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	start := time.Now().Add(26 * time.Hour).Truncate(time.Hour)
	var ids []string
	for _, tid := range []string{"adi", "noa"} {
		h := tori.Appointment{ID: tori.NewAppointmentID(tid), TherapistID: tid, ServiceID: "talk", Client: rec.Client(),
			Start: start, End: start.Add(50 * time.Minute), Status: tori.StatusHeld, HoldToken: tori.RandomToken(12),
			HoldUntil: time.Now().Add(15 * time.Minute), Price: tori.Money{Amount: 100, Currency: "ILS"}, Payment: tori.PayNone}
		if _, err := w.store.Hold(ctx, h, 2, time.Now()); err != nil {
			w.t.Fatal(err)
		}
		if _, err := w.store.Confirm(ctx, h.ID, h.HoldToken, time.Now()); err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, h.ID)
	}
	return rec, ids
}

// movedTo counts the appointments that are client's, in their chat.
func (w *world) movedTo(ids []string, client int64) int {
	n := 0
	for _, id := range ids {
		if a, err := w.store.Appointment(context.Background(), id); err == nil && a.Client.ID == client && a.Client.ChatID == client {
			n++
		}
	}
	return n
}
