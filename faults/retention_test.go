//go:build faults

package faults_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage/storagetest"
)

// TestCrashWhileForgettingAnIdleClient: a worker's retention pass, which
// runs as it starts, forgets a client idle for three years in several
// steps; the worker is killed (SIGKILL) midway, their @username index
// gone and their profile not yet. Started again, it finishes that
// forgetting at once (though the dead worker's claim on the hour's pass
// is still held): nothing of the client is left in Redis.
func TestCrashWhileForgettingAnIdleClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	wren := tori.Client{ID: 5987134640, ChatID: 5987134640, Name: "Wren Halloway", Username: "whalloway_9917", Lang: "en"}
	needles := []string{strconv.FormatInt(wren.ID, 10), wren.Name, wren.Username}
	if err := w.store.RememberClient(ctx, wren, time.Now().AddDate(-3, 0, 0)); err != nil {
		t.Fatal(err)
	}

	p := w.workerDying("worker", "retention.forget_midway")
	w.waitExit(p, 30*time.Second)
	if _, err := w.store.ClientByUsername(ctx, wren.Username); tori.ErrorCode(err) != tori.ENOTFOUND {
		t.Fatalf("died before the @username went: %v\n%s", err, p.log.String())
	}
	if r, err := w.store.ClientRecord(ctx, wren.ID, wren.ChatID); err != nil || r.Client.Name != wren.Name {
		t.Fatalf("died after the profile went: %+v %v", r.Client, err)
	}

	w.restart(p)
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := storagetest.Naming(storagetest.AllText(t, w.rdb, "tori:"), needles...)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left of the client 30 s after the restart:\n%s", strings.Join(left, "\n"))
		}
		time.Sleep(200 * time.Millisecond) // polling the worker, with a deadline
	}
}
