package preview

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The preview answers only to the names it is served under: a page of
// another site whose name was made to resolve to this machine (DNS
// rebinding) reaches the listener with that site's name as its Host, and
// is refused, so it can neither read the chats nor drive them.

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
// under; others get 403 and a line saying how to serve it under theirs.
func (p *Preview) guardHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.hosts[strings.ToLower(r.Host)] {
			http.Error(w, fmt.Sprintf("This is tori's local preview, at %s/preview; it does not answer to the name %q (a guard against other sites' pages reaching it). "+
				"To open it under another address, start it with: tori preview --listen ADDRESS --public-url URL", p.base, r.Host), http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
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
