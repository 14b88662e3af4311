package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/preview"
)

// previewPractice is the practice the preview shows: the one in the
// config file, or, when there is none yet, the example practice.
func previewPractice(cfgPath string, log *slog.Logger) (*tori.Practice, error) {
	if _, err := os.Stat(cfgPath); errors.Is(err, os.ErrNotExist) {
		p, err := parsePractice(tori.ExampleConfig)
		if err != nil {
			return nil, fmt.Errorf("tori.example.yaml: %s", tori.ErrorMessage(err))
		}
		// The example's sessions are paid at the session; in the preview
		// its video session is prepaid, so that paying can be seen too.
		for i := range p.Services {
			if p.Services[i].Remote && p.Services[i].Payment == tori.PayNone {
				p.Services[i].Payment = tori.PayFull
				break
			}
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("tori.example.yaml: %s", tori.ErrorMessage(err))
		}
		log.Info(fmt.Sprintf("No %s: the preview shows the example practice (with its video session prepaid, to show PayPal); copy tori.example.yaml to %s and change it to see your own.", cfgPath, cfgPath))
		return p, nil
	}
	return loadPractice(cfgPath)
}

// runPreview serves the local preview until ctx ends. noToken says why it
// runs: no TELEGRAM_BOT_TOKEN (rather than tori preview).
func runPreview(ctx context.Context, getenv func(string) string, log *slog.Logger, noToken bool) error {
	cfgPath := env(getenv, "TORI_CONFIG", "tori.yaml")
	practice, err := previewPractice(cfgPath, log)
	if err != nil {
		return err
	}
	// This machine only, unless HTTP_ADDR says otherwise (to try it from a
	// phone on the same network: HTTP_ADDR=:8080 and PUBLIC_URL set to the
	// address the phone uses, e.g. http://192.168.1.20:8080).
	addr := env(getenv, "HTTP_ADDR", "127.0.0.1:8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w (set HTTP_ADDR to a free address, e.g. 127.0.0.1:8081)", addr, err)
	}
	base := "http://" + localAddr(ln.Addr())
	if public := strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/"); public != "" {
		base = public
	}
	p, err := preview.Start(ctx, preview.Config{Practice: practice, RedisURL: env(getenv, "REDIS_URL", "redis://127.0.0.1:6379/0"), BaseURL: base, Log: log})
	if err != nil {
		ln.Close()
		return err
	}
	defer p.Close()
	// Requests end with ctx, so a page's long poll does not hold up the stop.
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	if noToken {
		log.Info(fmt.Sprintf("No TELEGRAM_BOT_TOKEN: running the local preview at %s/preview — nothing leaves this machine; set the token to go live.", base))
	} else {
		log.Info(fmt.Sprintf("Running the local preview at %s/preview — nothing leaves this machine (the bot token is not used).", base))
	}
	log.Info("preview: storage is " + p.Redis())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// localAddr is how a browser on this machine reaches a listener:
// localhost for an address on every interface.
func localAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() || tcp.IP.IsLoopback() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return tcp.String()
}
