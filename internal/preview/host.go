package preview

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"time"
)

// allowedHosts are the Host headers the preview answers to: the base
// URL's host, and, when it listens on loopback or on every interface (or
// its base is on loopback), localhost, 127.0.0.1 and [::1] with its port.
func allowedHosts(base *url.URL, listen net.Addr) map[string]bool {
	ok := map[string]bool{}

	// add allows host:port, and host alone when port is the one a browser
	// leaves out.
	add := func(host, port, dflt string) {
		hp := strings.ToLower(net.JoinHostPort(host, port))
		ok[hp] = true
		if port == dflt {
			ok[strings.TrimSuffix(hp, ":"+port)] = true
		}
	}

	dflt := map[string]string{"http": "80", "https": "443"}[base.Scheme]
	port := base.Port()
	if port == "" {
		port = dflt
	}
	add(base.Hostname(), port, dflt)

	// On loopback or every interface, the loopback names answer too.
	loopPort := ""
	if tcp, isTCP := listen.(*net.TCPAddr); isTCP && (tcp.IP == nil || tcp.IP.IsUnspecified() || tcp.IP.IsLoopback()) {
		loopPort = fmt.Sprint(tcp.Port)
	} else if listen == nil && LoopbackHost(base.Hostname()) {
		loopPort = port
	}
	if loopPort != "" {
		for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
			add(h, loopPort, "80")
		}
	}

	return ok
}

// LoopbackHost reports localhost or a loopback IP address.
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// guardHost serves only requests whose Host is one the preview is served
// under; others get 403 and a line saying how to serve it under theirs. A
// page of another site whose name was made to resolve to this machine
// (DNS rebinding) reaches the listener with that site's name as its Host,
// and is refused, so it can neither read the chats nor drive them.
func (p *Preview) guardHost(h http.Handler) http.Handler {
	return onlyHosts(p.hosts, h, func(host string) string {
		return fmt.Sprintf("This is tori's local preview, at %s/preview; it does not answer to the name %q (a guard against other sites' pages reaching it). "+
			"To open it under another address, start it with: tori preview --listen ADDRESS --public-url URL", p.base, host)
	})
}

// onlyHosts serves h to requests whose Host is in hosts, and answers
// others 403 with refusal's line.
func onlyHosts(hosts map[string]bool, h http.Handler, refusal func(host string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hosts[strings.ToLower(r.Host)] {
			http.Error(w, refusal(r.Host), http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// standInTimeouts bound what one client may hold of a stand-in's
// listener, as tori's own listeners do (cmd/tori's newServer): a long
// poll of the Bot API stand-in lasts a few seconds.
var standInTimeouts = struct{ header, read, write, idle time.Duration }{10 * time.Second, 20 * time.Second, 60 * time.Second, 2 * time.Minute}

// readyStandIn sets up a stand-in's server before it starts (Telegram's
// and PayPal's, on a loopback port): it answers only to the loopback names
// with its port, so a page of another site whose name was made to resolve
// to this machine cannot drive it even if it finds the port, and it has
// the timeouts of tori's listeners.
func readyStandIn(s *httptest.Server, name string) {
	addr := s.Listener.Addr()
	hosts := allowedHosts(&url.URL{Scheme: "http", Host: addr.String()}, addr)
	s.Config.Handler = onlyHosts(hosts, s.Config.Handler, func(host string) string {
		return fmt.Sprintf("This is the preview's %s stand-in, for the preview's own calls; it does not answer to the name %q.", name, host)
	})

	t := standInTimeouts
	s.Config.ReadHeaderTimeout, s.Config.ReadTimeout, s.Config.WriteTimeout, s.Config.IdleTimeout = t.header, t.read, t.write, t.idle
	s.Config.MaxHeaderBytes = 64 << 10
}

// Hosts are the Host headers the preview answers to, sorted.
func (p *Preview) Hosts() []string {
	out := make([]string, 0, len(p.hosts))
	for h := range p.hosts {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// sameOrigin reports an Origin header of a page the preview served.
func (p *Preview) sameOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && p.hosts[strings.ToLower(u.Host)]
}
