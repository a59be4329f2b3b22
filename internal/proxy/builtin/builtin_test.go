package builtin

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/proxytest"
)

// start serves a proxy on 127.0.0.1 until the test ends.
func start(t *testing.T, o Options) (*Proxy, string) {
	t.Helper()
	p := New(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { p.Shutdown(t.Context()) })
	return p, ln.Addr().String()
}

// dial opens a raw connection to the proxy, closed when the test ends,
// with a deadline for every read and write.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func route(host, target string, state proxy.State) proxy.Route {
	u, _ := url.Parse(target)
	return proxy.Route{Host: host, Target: u, Kind: model.KindProxy, ID: 1, State: state}
}

// get sends a request with a Host to the proxy.
func get(t *testing.T, addr, host, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+path, nil)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The upstream sees the client's Host (in lower case, as fasthttp writes a
// request's host) and X-Forwarded-* that only a trusted proxy may set.
func TestRoutesByHostWithForwardedHeaders(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host=%s xff=%s proto=%s fhost=%s path=%s", r.Host, r.Header.Get("X-Forwarded-For"),
			r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-Host"), r.URL.RequestURI())
	}))
	defer backend.Close()
	for _, tt := range []struct {
		name       string
		trusted    []netip.Prefix
		configured []netip.Prefix // by Configure, after New
		want       string
	}{
		{"untrusted client: spoofed values replaced", nil, nil,
			"host=app.example.com:8081 xff=127.0.0.1 proto=http fhost=app.example.com:8081 path=/a?b=1"},
		{"trusted proxy: its values kept, the peer appended", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, nil,
			"host=app.example.com:8081 xff=203.0.113.9, 127.0.0.1 proto=https fhost=front.example path=/a?b=1"},
		{"trusted from a settings change", nil, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			"host=app.example.com:8081 xff=203.0.113.9, 127.0.0.1 proto=https fhost=front.example path=/a?b=1"},
		{"trust withdrawn by a settings change", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, []netip.Prefix{},
			"host=app.example.com:8081 xff=127.0.0.1 proto=http fhost=app.example.com:8081 path=/a?b=1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, addr := start(t, Options{TrustedProxies: tt.trusted})
			if tt.configured != nil {
				p.Configure(Config{TrustedProxies: tt.configured})
			}
			p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
			res, body := get(t, addr, "App.example.com:8081", "/a?b=1",
				"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "front.example")
			if res.StatusCode != 200 || body != tt.want {
				t.Fatalf("%d %q, want %q", res.StatusCode, body, tt.want)
			}
		})
	}
}

func TestErrorPages(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close() // nothing listens there now
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{
		route("off.example.com", "http://127.0.0.1:1", proxy.Stopped),
		route("new.example.com", "http://127.0.0.1:1", proxy.Deploying),
		route("down.example.com", refusedURL, proxy.Active),
	})
	for _, tt := range []struct {
		host       string
		status     int
		retryAfter bool
	}{
		{"nobody.example.com", 404, false},
		{"off.example.com", 503, true},
		{"new.example.com", 503, true},
		{"down.example.com", 502, false},
	} {
		res, body := get(t, addr, tt.host, "/")
		if res.StatusCode != tt.status || (res.Header.Get("Retry-After") != "") != tt.retryAfter ||
			!strings.Contains(body, "<h1>") || strings.Contains(body, "127.0.0.1") {
			t.Errorf("%s: %d retry-after %q body %q", tt.host, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
}

// A stream's first event reaches the client while the upstream is still
// writing: nothing is buffered.
func TestStreamsUnbuffered(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "data: second\n\n")
	}))
	defer backend.Close()
	defer close(release)
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("sse.example.com", backend.URL, proxy.Active)})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/events", nil)
	req.Host = "sse.example.com"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(res.Body).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "data: first\n" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive while the upstream was still open")
	}
}

// An upgrade is tunnelled both ways: the upstream's 101, then bytes each
// way (a raw echo, as a WebSocket's frames would be).
func TestUpgradeTunnelsBothWays(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" || r.Host != "ws.example.com" {
			http.Error(w, "not an upgrade", 400)
			return
		}
		c, rw, _ := w.(http.Hijacker).Hijack()
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		io.Copy(c, rw) // echo
	}))
	defer backend.Close()
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("ws.example.com", backend.URL, proxy.Active)})
	c := dial(t, addr)
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: ws.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	status, _ := br.ReadString('\n')
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("status %q", status)
	}
	for l, _ := br.ReadString('\n'); l != "\r\n" && l != ""; l, _ = br.ReadString('\n') {
	}
	for _, msg := range []string{"hello", "again"} {
		fmt.Fprint(c, msg)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q: %q %v", msg, buf, err)
		}
	}
}

// Request bodies reach the upstream whole; beyond the limit a known
// length is refused with 413 before the body is read, and a chunked body
// is cut: the upstream never gets more than the limit.
func TestRequestBodies(t *testing.T) {
	var mu sync.Mutex
	var got []int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
		fmt.Fprint(w, n)
	}))
	defer backend.Close()
	const limit = 1 << 20
	p, addr := start(t, Options{MaxBodyBytes: limit})
	p.Apply(t.Context(), []proxy.Route{route("up.example.com", backend.URL, proxy.Active)})
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(strings.Repeat("x", 512<<10))
		if chunked {
			body = io.MultiReader(body) // no length known: sent chunked
		}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://"+addr+"/upload", body)
		req.Host = "up.example.com"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != "524288" {
			t.Errorf("512 KiB (chunked %v): %d %q", chunked, res.StatusCode, b)
		}
	}

	// A declared length over the limit: 413 at once, the body unread.
	c := dial(t, addr)
	// (fasthttp reads the first 8 KiB of a body before the handler runs.)
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: up.example.com\r\nContent-Length: %d\r\n\r\n%s", 2*limit, strings.Repeat("x", 16<<10))
	status, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(status, "HTTP/1.1 413") {
		t.Fatalf("declared 2 MiB: %q", status)
	}

	// A chunked body over the limit: whatever the client sees, the
	// upstream gets no more than the limit.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://"+addr+"/upload", io.MultiReader(strings.NewReader(strings.Repeat("x", 2*limit))))
	req.Host = "up.example.com"
	if res, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatalf("a chunked body over the limit was accepted")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, n := range got {
		if n > limit {
			t.Fatalf("the upstream got %d bytes, over the limit", n)
		}
	}
}

// Routes swapped many times while requests run: a route that stays never
// fails a request.
func TestTableSwapsUnderTraffic(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer backend.Close()
	p, addr := start(t, Options{})
	stay := route("stay.example.com", backend.URL, proxy.Active)
	p.Apply(t.Context(), []proxy.Route{stay})
	stop := proxytest.Traffic(addr, "stay.example.com", "ok", 4, 300)
	for i := range 1000 {
		routes := []proxy.Route{stay}
		for j := range i % 50 {
			routes = append(routes, route(fmt.Sprintf("r%d-%d.example.com", i, j), backend.URL, proxy.Active))
		}
		p.Apply(t.Context(), routes)
	}
	if served, failed := stop(); failed != 0 || served == 0 {
		t.Fatalf("%d of %d requests to a route that stayed failed", failed, served)
	}
	if got := len(p.Routes()); got != 1+999%50 {
		t.Fatalf("table has %d routes", got)
	}
}

// Hop-by-hop headers go neither to the upstream nor back to the client;
// the others pass.
func TestHopHeadersNotForwarded(t *testing.T) {
	hops := []string{"Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Upgrade"}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []string
		for _, k := range append(hops, "Connection") {
			if v := r.Header.Get(k); v != "" {
				got = append(got, k+"="+v)
			}
		}
		for _, k := range hops {
			w.Header().Set(k, "x")
		}
		w.Header().Set("X-Kept", "yes")
		fmt.Fprint(w, strings.Join(got, " "), " kept=", r.Header.Get("X-Kept"))
	}))
	defer backend.Close()
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
	header := []string{"Connection", "keep-alive", "X-Kept", "yes"}
	for _, k := range hops {
		header = append(header, k, "x")
	}
	res, body := get(t, addr, "app.example.com", "/", header...)
	if res.StatusCode != 200 || body != " kept=yes" {
		t.Fatalf("upstream saw %d %q", res.StatusCode, body)
	}
	for _, k := range hops {
		if v := res.Header.Get(k); v != "" {
			t.Errorf("client got %s: %s", k, v)
		}
	}
	if res.Header.Get("X-Kept") != "yes" {
		t.Errorf("X-Kept dropped: %v", res.Header)
	}
}

// lookup finds what proxy.NormalizeHost would, with or without its fast
// path.
func TestLookupNormalizesLikeNormalizeHost(t *testing.T) {
	tb := &table{routes: map[string]*entry{}}
	for _, h := range []string{"app.example.com", "a-1.example.com", "127.0.0.1", "xn--bcher-kva.example", "::1"} {
		tb.routes[h] = &entry{addr: h}
	}
	for _, h := range []string{"app.example.com", "App.Example.com", "app.example.com:8081", "app.example.com.",
		"app.example.com.:80", "app.example.com:", "app.example.com:x", "a-1.example.com:1", "127.0.0.1:80",
		"bücher.example", "[::1]:80", "", ":80", "app.example.com..", "other.example.com"} {
		want := tb.routes[proxy.NormalizeHost(h)]
		if got := tb.lookup([]byte(h)); got != want {
			t.Errorf("%q: got %v, want %v", h, got, want)
		}
	}
}

// Every shape of answer arrives whole, and the pooled upstream
// connections stay usable after each: large and chunked bodies, HEAD, 204,
// an upstream that closes, and one too slow (504).
func TestResponseShapes(t *testing.T) {
	big := strings.Repeat("b", 200<<10)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			fmt.Fprint(w, big)
		case "/chunked":
			fmt.Fprint(w, "one,")
			w.(http.Flusher).Flush()
			fmt.Fprint(w, "two")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "closed")
		case "/slow":
			time.Sleep(time.Second)
		default:
			w.Header().Set("Content-Length", "5")
			fmt.Fprint(w, "small")
		}
	}))
	defer backend.Close()
	p, addr := start(t, Options{ResponseTimeout: 300 * time.Millisecond})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
	for range 3 {
		for _, tt := range []struct{ path, want string }{{"/big", big}, {"/chunked", "one,two"}, {"/small", "small"}, {"/close", "closed"}} {
			if res, body := get(t, addr, "app.example.com", tt.path); res.StatusCode != 200 || body != tt.want {
				t.Fatalf("%s: %d %d bytes", tt.path, res.StatusCode, len(body))
			}
		}
		if res, body := get(t, addr, "app.example.com", "/empty"); res.StatusCode != 204 || body != "" {
			t.Fatalf("/empty: %d %q", res.StatusCode, body)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "HEAD", "http://"+addr+"/small", nil)
		req.Host = "app.example.com"
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 || res.ContentLength != 5 {
			t.Fatalf("HEAD: %v %v", res, err)
		}
		res.Body.Close()
	}
	if res, _ := get(t, addr, "app.example.com", "/slow"); res.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("/slow: %d", res.StatusCode)
	}
}
