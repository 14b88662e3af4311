package storage_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/storage"
	"github.com/tori-bot/tori/storage/storagetest"
)

// serverError is an error reply of a Redis server, as go-redis gives it.
type serverError string

func (e serverError) Error() string { return string(e) }
func (serverError) RedisError()     {}

// TestUnavailableClassifies: the replies of a server that cannot take a
// command this moment (out of memory, loading, a replica, no master) are an
// outage, as the server words them and as a script wraps them (Redis 7
// keeps the code first; Redis 6 and older put it after the script's
// position); an answer about the command itself is not.
func TestUnavailableClassifies(t *testing.T) {
	const sha = "f_bd6f3018b28bbdb36260f19d3c44afed740db987"
	outage := []string{
		"OOM command not allowed when used memory > 'maxmemory'.",
		"OOM command not allowed when used memory > 'maxmemory'. script: bd6f3018b28bbdb36260f19d3c44afed740db987, on @user_script:1.",
		"ERR Error running script (call to " + sha + "): @user_script:41: @user_script: 41: -OOM command not allowed when used memory > 'maxmemory'.",
		"LOADING Redis is loading the dataset in memory",
		"READONLY You can't write against a read only replica.",
		"READONLY You can't write against a read only replica. script: bd6f3018b28bbdb36260f19d3c44afed740db987, on @user_script:1.",
		"ERR Error running script (call to " + sha + "): @user_script:1: -READONLY You can't write against a read only replica.",
		"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
		"NOREPLICAS Not enough good replicas to write.",
		"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
		"CLUSTERDOWN The cluster is down",
		"TRYAGAIN Multiple keys request during rehashing of slot",
		"ERR max number of clients reached",
	}
	fault := []string{
		"ERR wrong number of arguments for 'set' command",
		"WRONGTYPE Operation against a key holding the wrong kind of value",
		"BUSYKEY Target key name already exists.",
		"BUSYGROUP Consumer Group name already exists",
		"NOSCRIPT No matching script. Please use EVAL.",
		"CROSSSLOT Keys in request don't hash to the same slot",
		"ERR Error running script (call to " + sha + "): @user_script:3: user_script:3: attempt to compare nil with number",
		"ERR user_script:1: Script attempted to access nonexistent global variable 'OOM'",
		"ERR unknown command 'max', with args beginning with: 'number' 'of' 'clients' 'reached'",
	}
	for _, msg := range outage {
		err := fmt.Errorf("storage: hold: %w", serverError(msg))
		if !storage.Unavailable(err) {
			t.Errorf("not an outage: %q", msg)
		}
	}
	for _, msg := range fault {
		if storage.Unavailable(fmt.Errorf("storage: hold: %w", serverError(msg))) {
			t.Errorf("an outage: %q", msg)
		}
	}
	// Only a server's reply is read so: our own words are not.
	if storage.Unavailable(errors.New("OOM command not allowed when used memory > 'maxmemory'.")) {
		t.Error("an error of ours that reads like a reply is an outage")
	}
	if storage.Unavailable(tori.Errorf(tori.ECONFLICT, "That time was just taken.")) || storage.Unavailable(nil) {
		t.Error("a refusal (or no error) is an outage")
	}
}

// TestUnavailableOnRealServers: a redis-server at its maxmemory refuses
// every way tori writes (a command, a script by EVALSHA and by EVAL, a
// script in a pipeline, MULTI/EXEC) with an outage, reads still work, and
// once memory is freed the same calls succeed. A replica refuses writes
// (READONLY), and one cut off from its master that may not serve stale
// data refuses reads too (MASTERDOWN): both are outages.
func TestUnavailableOnRealServers(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(-24 * time.Hour)

	t.Run("OOM", func(t *testing.T) {
		srv := storagetest.StartServer(t, storagetest.Small)
		s := storage.New(srv.Client(), "tori:")
		h := mustHold(t, s, hold(1, 0, time.Hour, now), now)
		if err := s.Enqueue(ctx, tori.QueueReminders, "adi", "r1", now); err != nil {
			t.Fatal(err)
		}
		free := srv.Fill()

		// Each script's first run: EVALSHA finds no script, and go-redis
		// (or evalShaPipelined) falls back to EVAL, or loads it.
		writes := []struct {
			name  string
			write func() error
		}{
			{"SET", func() error { return s.SetChatState(ctx, 1, []byte(`{"hold":"x"}`), time.Hour) }},
			{"a script in a pipeline", func() error { _, err := s.Confirm(ctx, h.ID, h.HoldToken, now); return err }},
			{"a script alone", func() error { _, err := s.ClaimDue(ctx, tori.QueueReminders, "adi", now, time.Minute, 10); return err }},
			{"MULTI/EXEC", func() error { _, err := s.Attempt(ctx, "tg", "1", time.Hour); return err }},
			{"a claim beside reads", func() error { _, _, _, err := s.ClaimUpdate(ctx, "1", time.Hour, 1, true, 1); return err }},
		}
		for _, w := range writes {
			if err := w.write(); !storage.Unavailable(err) {
				t.Errorf("%s on a full server: %v (want an outage)", w.name, err)
			}
		}
		if a, err := s.Appointment(ctx, h.ID); err != nil || a.Status != tori.StatusHeld {
			t.Fatalf("read on a full server: %v, %v", a.Status, err)
		}

		free()
		for _, w := range writes {
			if err := w.write(); err != nil {
				t.Errorf("%s once memory is freed: %v", w.name, err)
			}
		}
		if a, err := s.Appointment(ctx, h.ID); err != nil || a.Status != tori.StatusConfirmed {
			t.Fatalf("after the outage the hold is %v, %v; want confirmed", a.Status, err)
		}
	})

	t.Run("READONLY", func(t *testing.T) {
		master := storagetest.StartServer(t)
		replica := storagetest.StartServer(t, storagetest.ServerOption{"--replicaof", "127.0.0.1", strconv.Itoa(master.Port)})
		s := storage.New(replica.Client(), "tori:")
		if _, err := s.Hold(ctx, hold(1, 0, time.Hour, now), 2, now); !storage.Unavailable(err) {
			t.Fatalf("a hold on a replica: %v (want an outage)", err)
		}
		if err := s.SetChatState(ctx, 1, []byte(`{}`), time.Hour); !storage.Unavailable(err) {
			t.Fatalf("SET on a replica: %v (want an outage)", err)
		}
	})

	t.Run("MASTERDOWN", func(t *testing.T) {
		gone := storagetest.StartServer(t)
		port := gone.Port
		gone.Kill()
		replica := storagetest.StartServer(t, storagetest.ServerOption{"--replicaof", "127.0.0.1", strconv.Itoa(port), "--replica-serve-stale-data", "no"})
		s := storage.New(replica.Client(), "tori:")
		if _, err := s.Appointment(ctx, tori.NewAppointmentID("adi")); !storage.Unavailable(err) {
			t.Fatalf("a read on a replica without its master: %v (want an outage)", err)
		}
	})
}

// TestUnavailableAtMaxClients: a server whose every connection is taken
// (maxclients) answers a new connection with its reason and closes it.
// Its words, read as the server sends them, are an outage; and so is what
// go-redis reports (its handshake reads the reply, so a command meets the
// closed connection), for a store's reads and writes alike.
func TestUnavailableAtMaxClients(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.StartServer(t, storagetest.ServerOption{"--maxclients", "1"})
	hog := srv.Client()
	if err := hog.Ping(ctx).Err(); err != nil { // takes the one connection
		t.Fatal(err)
	}

	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", srv.Port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "-") {
		t.Fatalf("a connection beyond maxclients: %q, %v (want an error reply)", line, err)
	}
	words := strings.TrimSuffix(strings.TrimPrefix(line, "-"), "\r\n")
	if !storage.Unavailable(fmt.Errorf("storage: hold: %w", serverError(words))) {
		t.Fatalf("the server's words at maxclients are not an outage: %q", words)
	}

	s := storage.New(srv.Client(), "tori:")
	now := t0.Add(-24 * time.Hour)
	if _, err := s.Appointment(ctx, tori.NewAppointmentID("adi")); !storage.Unavailable(err) {
		t.Fatalf("a read at maxclients: %v (want an outage)", err)
	}
	if _, err := s.Hold(ctx, hold(1, 0, time.Hour, now), 2, now); !storage.Unavailable(err) {
		t.Fatalf("a hold at maxclients: %v (want an outage)", err)
	}
}
