package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tori-bot/tori/metrics"
)

// timeouts bound what one client may hold of a listener: the request's
// headers, the whole request with its body (a body dripped a byte a second
// is cut off), the answer (from the end of the headers: it must outlast
// the slowest handler), and an idle kept-alive connection.
type timeouts struct {
	header, read, write, idle time.Duration
}

// The listeners' timeouts (variables, so that tests can shorten them).
var (
	// The public listener: a payment return or a webhook takes up to 45 s.
	// Idle connections are kept longer than a proxy in front keeps them
	// (deploy/Caddyfile: 90 s), so the proxy, not tori, closes them.
	publicTimeouts = timeouts{header: 10 * time.Second, read: 20 * time.Second, write: 60 * time.Second, idle: 5 * time.Minute}
	// METRICS_ADDR: a CPU profile or a trace may take up to 60 s (pprof
	// refuses one longer than the write timeout).
	metricsTimeouts = timeouts{header: 5 * time.Second, read: 10 * time.Second, write: 70 * time.Second, idle: 2 * time.Minute}
	// The preview: a move of its clock runs up to 2 minutes of worker jobs.
	previewTimeouts = timeouts{header: 10 * time.Second, read: 20 * time.Second, write: 3 * time.Minute, idle: 2 * time.Minute}
)

// newServer is the http.Server of every listener of tori's.
func newServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.header, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle,
		MaxHeaderBytes: 64 << 10}
}

// serve runs srv on ln on a goroutine of wg's until Shutdown.
func serve(wg *sync.WaitGroup, log *slog.Logger, name string, srv *http.Server, ln net.Listener) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(name+" server", "err", err)
		}
	}()
}

// metricsOff is the METRICS_ADDR that serves no metrics.
const metricsOff = "off"

// defaultMetricsAddr is the metrics listener when METRICS_ADDR is unset:
// this machine only (a variable, so that tests can take it).
var defaultMetricsAddr = "127.0.0.1:9090"

// listenMetrics opens addr (METRICS_ADDR), or returns nil for off. Unset, it
// tries defaultMetricsAddr, and when that is in use (tori bot and tori
// worker on one machine, or Prometheus, whose own port it is) the process
// runs without metrics, saying so in one warning line; an address set
// explicitly and in use stops tori.
func listenMetrics(addr string, log *slog.Logger) (net.Listener, error) {
	if strings.EqualFold(addr, metricsOff) {
		return nil, nil
	}

	if addr == "" {
		ln, err := net.Listen("tcp", defaultMetricsAddr)
		if errors.Is(err, syscall.EADDRINUSE) {
			log.Warn("metrics are off for this process: " + defaultMetricsAddr + ", their default address, is in use (another tori process on this machine, or Prometheus, whose port it is); " +
				"give each process its own with METRICS_ADDR, e.g. METRICS_ADDR=127.0.0.1:9091 for tori worker, or set METRICS_ADDR=off")
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("metrics at %s: %w (set METRICS_ADDR to a free address, e.g. 127.0.0.1:9091, or to off)", defaultMetricsAddr, err)
		}
		return ln, nil
	}

	// Set explicitly, it must be free.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR %s: %w (set METRICS_ADDR to a free address, e.g. 127.0.0.1:9091, or to off)", addr, err)
	}
	return ln, nil
}

// metricsRoutes serves /metrics and Go's profiles under /debug/pprof/,
// on the metrics listener only: counts of bookings and money, and the
// process's insides, are for the operator, not for whoever reaches the
// public port.
func metricsRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// shutdown stops the servers, waiting up to d for requests in hand.
func shutdown(d time.Duration, servers ...*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, s := range servers {
		if s != nil {
			_ = s.Shutdown(ctx)
		}
	}
}
