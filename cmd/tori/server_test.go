package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tori-bot/tori/telegram/telegramtest"
)

// shortTimeouts makes every listener's timeouts short for one test.
func shortTimeouts(t *testing.T) {
	short := timeouts{header: time.Second, read: time.Second, write: 5 * time.Second, idle: time.Second}
	old := [3]timeouts{publicTimeouts, metricsTimeouts, previewTimeouts}
	publicTimeouts, metricsTimeouts, previewTimeouts = short, short, short
	t.Cleanup(func() { publicTimeouts, metricsTimeouts, previewTimeouts = old[0], old[1], old[2] })
}

// cutOff POSTs to addr a body that comes a byte every 50 ms (a minute for
// all of it) and fails unless the server closes the connection well
// before: within 20 s, however slow the machine.
func cutOff(t *testing.T, addr, host, path string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1200\r\n\r\n{", path, host)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.Copy(io.Discard, conn) // until the server closes it
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s%s: a body dripped a byte at a time still held the connection after 20 s", addr, path)
	}
}

// TestSlowClientsCutOff: a client that drips its body is cut off by the
// read timeout, on the public listener and on the metrics listener.
func TestSlowClientsCutOff(t *testing.T) {
	shortTimeouts(t)
	fake := telegramtest.New()
	defer fake.Close()
	getenv := testEnv(t, fake, nil)
	_, stop := started(t, []string{"worker"}, getenv, "tori is running")

	cutOff(t, getenv("HTTP_ADDR"), "tori.test", "/healthz")
	cutOff(t, getenv("METRICS_ADDR"), "tori.test", "/metrics")
	// Quick requests still pass.
	if code, _ := get(t, "http://"+getenv("HTTP_ADDR")+"/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	stop()
}

// TestMetricsListener: /metrics and the profiles are served at
// METRICS_ADDR only (the public listener answers 404); METRICS_ADDR=off
// serves none; a taken address stops tori with one line.
func TestMetricsListener(t *testing.T) {
	fake := telegramtest.New()
	defer fake.Close()
	getenv := testEnv(t, fake, nil)
	logs, stop := started(t, []string{"worker"}, getenv, "tori is running")

	public, private := "http://"+getenv("HTTP_ADDR"), "http://"+getenv("METRICS_ADDR")
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if code, body := get(t, public+path); code != http.StatusNotFound || strings.Contains(body, "tori_") || strings.Contains(body, "goroutine") {
			t.Fatalf("%s on the public listener: %d\n%s", path, code, body)
		}
	}
	if code, body := get(t, private+"/metrics"); code != 200 || !strings.Contains(body, "tori_queue_depth") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics at METRICS_ADDR: %d\n%s", code, body)
	}
	if code, body := get(t, private+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/ at METRICS_ADDR: %d\n%s", code, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, public+path); code != 200 {
			t.Fatalf("%s on the public listener: %d", path, code)
		}
	}
	stop()
	if !strings.Contains(logs.String(), `"metrics":"`+getenv("METRICS_ADDR")+`"`) {
		t.Fatalf("the start line does not say where metrics are:\n%s", logs.String())
	}

	t.Run("Off", func(t *testing.T) {
		logs, stop := started(t, []string{"worker"}, testEnv(t, fake, map[string]string{"METRICS_ADDR": "off"}), "tori is running")
		stop()
		if !strings.Contains(logs.String(), `"metrics":"off"`) {
			t.Fatalf("log:\n%s", logs.String())
		}
	})
}

// started runs run with args and getenv until its log says ready; stop
// ends it and fails the test if it returned an error or did not stop.
func started(t *testing.T, args []string, getenv func(string) string, ready string) (logs *syncBuffer, stop func()) {
	t.Helper()
	logs = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // also when the test fails before it stops tori
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, getenv, logs) }()
	waitLog(t, logs, ready)
	return logs, func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("tori did not stop")
		}
	}
}

// waitLog waits until the log says what.
func waitLog(t *testing.T, logs *syncBuffer, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", what, logs.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a process that is starting, with a deadline
	}
}

// TestMetricsDefaultAddrTaken: with METRICS_ADDR unset and its default
// address in use (tori bot and tori worker on one machine, or Prometheus),
// tori runs without metrics and says so in one warning line with how to
// give each process its own; unset and free, the default serves them; set
// explicitly and in use, it stops tori with one line.
func TestMetricsDefaultAddrTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	old := defaultMetricsAddr
	t.Cleanup(func() { defaultMetricsAddr = old })
	fake := telegramtest.New()
	defer fake.Close()

	defaultMetricsAddr = taken.Addr().String()
	logs, stop := started(t, []string{"worker"}, testEnv(t, fake, map[string]string{"METRICS_ADDR": ""}), "tori is running")
	stop()
	var warned []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "metrics are off") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], `"level":"WARN"`) || !strings.Contains(warned[0], defaultMetricsAddr+", their default address, is in use") ||
		!strings.Contains(warned[0], "METRICS_ADDR=127.0.0.1:9091") {
		t.Fatalf("want one warning line saying metrics are off and how to set METRICS_ADDR, got %q\n%s", warned, logs.String())
	}
	if !strings.Contains(logs.String(), `"metrics":"off"`) {
		t.Fatalf("the start line does not say metrics are off:\n%s", logs.String())
	}

	t.Run("Free", func(t *testing.T) {
		defaultMetricsAddr = freeAddr(t)
		logs, stop := started(t, []string{"worker"}, testEnv(t, fake, map[string]string{"METRICS_ADDR": ""}), "tori is running")
		if code, body := get(t, "http://"+defaultMetricsAddr+"/metrics"); code != 200 || !strings.Contains(body, "tori_queue_depth") {
			t.Fatalf("/metrics at the default address: %d\n%s", code, body)
		}
		stop()
		if strings.Contains(logs.String(), "metrics are off") {
			t.Fatalf("warned with the default address free:\n%s", logs.String())
		}
	})

	t.Run("SetAndTaken", func(t *testing.T) {
		err := run(context.Background(), []string{"worker"}, testEnv(t, fake, map[string]string{"METRICS_ADDR": taken.Addr().String()}), &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR "+taken.Addr().String()+": ") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error = %v, want one line about METRICS_ADDR", err)
		}
	})
}

// TestProxyClosesIdleConnectionsFirst: the Caddyfile's proxy lets an idle
// connection to tori go before tori's public listener does (Caddy's
// default is 2 minutes), so the proxy never sends a request on a
// connection tori is closing, which it would retry only for a GET.
func TestProxyClosesIdleConnectionsFirst(t *testing.T) {
	caddyfile, err := os.ReadFile("../../deploy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	keepalive := 2 * time.Minute // Caddy's default
	if m := regexp.MustCompile(`(?s)transport http \{[^}]*?\bkeepalive\s+(\S+)`).FindSubmatch(caddyfile); m != nil {
		if keepalive, err = time.ParseDuration(string(m[1])); err != nil {
			t.Fatalf("the Caddyfile's keepalive %q: %v", m[1], err)
		}
	}
	if srv := newServer(http.NotFoundHandler(), publicTimeouts); keepalive >= srv.IdleTimeout {
		t.Fatalf("the proxy keeps idle connections %v, tori %v: the proxy's must be the shorter", keepalive, srv.IdleTimeout)
	}
}
