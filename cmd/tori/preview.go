package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tori-bot/tori"
	"github.com/tori-bot/tori/internal/preview"
)

// previewPractice is the practice the preview shows: the one in the
// config file, or, when there is none yet, the example practice with its
// standing weekly client (standing).
func previewPractice(cfgPath string, log *slog.Logger) (p *tori.Practice, standing []tori.Standing, err error) {
	if _, err := os.Stat(cfgPath); !errors.Is(err, os.ErrNotExist) {
		p, err := loadPractice(cfgPath)
		return p, nil, err
	}

	p, err = parsePractice(tori.ExampleConfig)
	if err != nil {
		return nil, nil, messageError{"tori.example.yaml: ", err}
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
		return nil, nil, messageError{"tori.example.yaml: ", err}
	}
	log.Info(fmt.Sprintf("No %s: the preview shows the example practice (with its video session prepaid, to show PayPal, and a standing weekly client); copy tori.example.yaml to %s and change it to see your own.", cfgPath, cfgPath))
	return p, tori.ExampleStanding, nil
}

// previewOptions are tori preview's flags.
type previewOptions struct {
	listen    string // --listen: the address to listen on, deliberately
	publicURL string // --public-url: where browsers reach it, if not the listener's address
}

// parsePreviewFlags reads --listen ADDRESS and --public-url URL.
func parsePreviewFlags(args []string) (previewOptions, error) {
	var o previewOptions
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.listen, "listen", "", "")
	fs.StringVar(&o.publicURL, "public-url", "", "")

	usage := "use tori preview [--listen ADDRESS, e.g. :8080] [--public-url URL, e.g. http://192.168.1.20:8080]"
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("tori preview: %w: %s", err, usage)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("tori preview: unexpected %q: %s", fs.Arg(0), usage)
	}

	if o.listen != "" {
		if _, _, err := net.SplitHostPort(o.listen); err != nil {
			return o, fmt.Errorf("tori preview --listen %q: write host:port or :port, e.g. :8080 or 192.168.1.20:8080", o.listen)
		}
	}
	if o.publicURL != "" {
		o.publicURL = strings.TrimRight(o.publicURL, "/")
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.User != nil || u.RawQuery != "" {
			return o, fmt.Errorf("tori preview --public-url %q: write the address browsers use to reach the preview, scheme and host only, e.g. http://192.168.1.20:8080", o.publicURL)
		}
	}
	return o, nil
}

// previewAddr is where the preview listens: --listen when given (a
// deliberate choice), else HTTP_ADDR when it is on loopback, else
// 127.0.0.1:8080. A HTTP_ADDR elsewhere is an error saying what to run.
func previewAddr(listen string, getenv func(string) string, noToken bool) (string, error) {
	if listen != "" {
		return listen, nil
	}

	addr := env(getenv, "HTTP_ADDR", "127.0.0.1:8080")
	if host, _, err := net.SplitHostPort(addr); err == nil && preview.LoopbackHost(host) {
		return addr, nil
	}

	why := "tori preview listens on this machine only unless told otherwise"
	if noToken {
		why = "without TELEGRAM_BOT_TOKEN tori runs the local preview, on this machine only"
	}
	return "", fmt.Errorf("HTTP_ADDR %s is not a loopback address, and %s: to run the preview on another address deliberately, run tori preview --listen %s (with --public-url set to the address other devices use); a live bot needs TELEGRAM_BOT_TOKEN", addr, why, addr)
}

// runPreview serves the local preview until ctx ends. flags are tori
// preview's; noToken says why it runs: no TELEGRAM_BOT_TOKEN (rather than
// tori preview).
func runPreview(ctx context.Context, flags []string, getenv func(string) string, log *slog.Logger, noToken bool) error {
	opts, err := parsePreviewFlags(flags)
	if err != nil {
		return err
	}
	addr, err := previewAddr(opts.listen, getenv, noToken)
	if err != nil {
		return err
	}

	cfgPath := env(getenv, "TORI_CONFIG", "tori.yaml")
	practice, standing, err := previewPractice(cfgPath, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if opts.listen != "" {
			return fmt.Errorf("tori preview --listen %s: %w (give a free address, e.g. 127.0.0.1:8081)", addr, err)
		}
		return fmt.Errorf("HTTP_ADDR %s: %w (set HTTP_ADDR to a free address, e.g. 127.0.0.1:8081)", addr, err)
	}

	// The links (PayPal's return, the calendar feed) lead to the listener,
	// not to PUBLIC_URL, which is the live bot's address.
	base := "http://" + localAddr(ln.Addr())
	if opts.publicURL != "" {
		base = opts.publicURL
	} else if public := strings.TrimSpace(getenv("PUBLIC_URL")); public != "" {
		log.Info(fmt.Sprintf("PUBLIC_URL (%s) is the live bot's address: the preview's links lead to %s instead (tori preview --public-url URL gives another).", public, base))
	}

	p, err := preview.Start(ctx, preview.Config{Practice: practice, RedisURL: env(getenv, "REDIS_URL", "redis://127.0.0.1:6379/0"),
		BaseURL: base, Listen: ln.Addr(), Log: log, Standing: standing})
	if err != nil {
		ln.Close()
		return err
	}
	defer p.Close()

	// Requests end with ctx, so a page's long poll does not hold up the stop.
	srv := newServer(p.Handler(), previewTimeouts)
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	var wg sync.WaitGroup
	serve(&wg, log, "preview", srv, ln)

	// Say where it is, and what it shows to whom.
	if noToken {
		log.Info(fmt.Sprintf("No TELEGRAM_BOT_TOKEN: running the local preview at %s/preview — nothing leaves this machine; set the token to go live.", base))
	} else {
		log.Info(fmt.Sprintf("Running the local preview at %s/preview — nothing leaves this machine (the bot token is not used).", base))
	}
	if host, _, _ := net.SplitHostPort(addr); !preview.LoopbackHost(host) {
		log.Warn(fmt.Sprintf("The preview listens on %s: anyone who can reach it there sees the practice's Telegram ids and can drive its chats and clock. It answers only to the names %s.",
			addr, strings.Join(p.Hosts(), ", ")))
	}
	log.Info("preview: storage is " + p.Redis())

	<-ctx.Done()
	shutdown(5*time.Second, srv)
	wg.Wait()
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
