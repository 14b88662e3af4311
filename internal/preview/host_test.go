package preview

import (
	"net"
	"net/url"
	"slices"
	"sort"
	"testing"
)

// TestAllowedHosts: the preview answers to its base URL's host and, when
// it listens on loopback or every interface, to the loopback names with
// its port; to nothing else.
func TestAllowedHosts(t *testing.T) {
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	loop := func(port string) []string {
		return []string{"127.0.0.1:" + port, "[::1]:" + port, "localhost:" + port}
	}
	for _, tc := range []struct {
		name   string
		base   string
		listen net.Addr
		want   []string
	}{
		{"Loopback", "http://localhost:8080", tcp("127.0.0.1", 8080), loop("8080")},
		{"LoopbackNoListener", "http://127.0.0.1:5000", nil, loop("5000")},
		{"EveryInterface", "http://localhost:8080", tcp("::", 8080), loop("8080")},
		{"EveryInterfaceWithPublicURL", "http://192.168.1.20:8080", tcp("0.0.0.0", 8080), append(loop("8080"), "192.168.1.20:8080")},
		{"OneInterface", "http://192.168.1.20:8080", tcp("192.168.1.20", 8080), []string{"192.168.1.20:8080"}},
		{"DefaultPort", "http://Preview.LAN", tcp("192.168.1.20", 80), []string{"preview.lan", "preview.lan:80"}},
		{"HTTPSProxy", "https://preview.example", tcp("127.0.0.1", 8080), append(loop("8080"), "preview.example", "preview.example:443")},
		{"LoopbackPort80", "http://localhost", tcp("127.0.0.1", 80), []string{"127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:80", "localhost", "localhost:80"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for h := range allowedHosts(u, tc.listen) {
				got = append(got, h)
			}
			sort.Strings(got)
			sort.Strings(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("hosts %v, want %v", got, tc.want)
			}
		})
	}
}
