package builtin

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// An upstream that never answers is a 504 after the response timeout, and
// a client that never finishes its request is cut off after the read
// timeout.
func TestTimeouts(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // reads nothing, answers nothing
		}
	}()
	p, addr := start(t, Options{ResponseTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	p.Apply(t.Context(), []proxy.Route{route("slow.example.com", "http://"+silent.Addr().String(), proxy.Active)})
	if res, body := get(t, addr, "slow.example.com", "/"); res.StatusCode != http.StatusGatewayTimeout || strings.Contains(body, "127.0.0.1") {
		t.Errorf("silent upstream: %d %q", res.StatusCode, body)
	}

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: slow.exa") // and nothing more
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("a client that never finishes its request still holds the connection after %v", time.Since(start))
	}
}

// A request in flight finishes when its route is removed, and when the
// proxy shuts down; Shutdown waits for it.
func TestInFlightRequestsFinish(t *testing.T) {
	entered := make(chan struct{}, 2)
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		fmt.Fprint(w, "done")
	}))
	defer backend.Close()
	p := New(Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	addr := ln.Addr().String()
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})

	type answer struct {
		status int
		body   string
		err    error
	}
	send := func() chan answer {
		out := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
			req.Host = "app.example.com"
			res, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
			if err != nil {
				out <- answer{err: err}
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			out <- answer{res.StatusCode, string(b), err}
		}()
		return out
	}

	first, second := send(), send()
	<-entered
	<-entered
	p.Apply(t.Context(), nil) // the route goes while both are in flight
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- p.Shutdown(ctx)
	}()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while requests were in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	for _, ch := range []chan answer{first, second} {
		if a := <-ch; a.err != nil || a.status != 200 || a.body != "done" {
			t.Errorf("in-flight request: %+v", a)
		}
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// Each route counts its requests by status class, their latency and its
// upstream errors; a route no longer served has no series.
func TestMetricsPerRoute(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
		}
	}))
	defer backend.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	reg := prometheus.NewRegistry()
	p, addr := start(t, Options{Metrics: reg})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active), route("down.example.com", deadURL, proxy.Active)})
	for _, path := range []string{"/", "/", "/missing"} {
		get(t, addr, "app.example.com", path)
	}
	get(t, addr, "down.example.com", "/")
	get(t, addr, "nobody.example.com", "/")

	value := func(m prometheus.Metric) float64 {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		return d.GetCounter().GetValue()
	}
	for _, tt := range []struct {
		c    prometheus.Counter
		want float64
	}{
		{p.metrics.requests.WithLabelValues("app.example.com", "2xx"), 2},
		{p.metrics.requests.WithLabelValues("app.example.com", "4xx"), 1},
		{p.metrics.requests.WithLabelValues("down.example.com", "5xx"), 1},
		{p.metrics.upstreams.WithLabelValues("down.example.com"), 1},
		{p.metrics.upstreams.WithLabelValues("app.example.com"), 0},
	} {
		if got := value(tt.c); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.c.Desc(), got, tt.want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "dw_proxy_request_duration_seconds" {
			n := map[string]uint64{}
			for _, m := range mf.GetMetric() {
				n[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount() // its only label: route
			}
			if len(n) != 2 || n["app.example.com"] != 3 || n["down.example.com"] != 1 {
				t.Errorf("latency samples by route: %v", n)
			}
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == "nobody.example.com" {
					t.Errorf("an unknown host has a series: %v", mf.GetName())
				}
			}
		}
	}

	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
	mfs, err = reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() != "app.example.com" {
					t.Errorf("%s has a series of %s, a route no longer served", mf.GetName(), l.GetValue())
				}
			}
		}
	}
}

// An https target is reached over TLS, its self-signed certificate
// accepted (as nginx does), for requests and upgrades alike; a tunnel the
// upstream closes is closed to the client.
func TestHTTPSUpstream(t *testing.T) {
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			c, rw, _ := w.(http.Hijacker).Hijack()
			defer c.Close()
			rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\ntls-tunnel")
			rw.Flush()
			return
		}
		fmt.Fprintf(w, "tls=%v host=%s", r.TLS != nil, r.Host)
	}))
	defer backend.Close()
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("secure.example.com", backend.URL, proxy.Active)})
	if res, body := get(t, addr, "secure.example.com", "/"); res.StatusCode != 200 || body != "tls=true host=secure.example.com" {
		t.Fatalf("https upstream: %d %q", res.StatusCode, body)
	}
	c := dial(t, addr)
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: secure.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	b, err := io.ReadAll(c) // ends when the upstream closes the tunnel
	if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 101") || !strings.HasSuffix(string(b), "tls-tunnel") {
		t.Fatalf("upgrade to an https upstream: %q, %v (the client's side must close when the upstream's does)", b, err)
	}
}

// A client's "Connection: close" closes its connection after the answer
// (and is not passed on: the upstream connection is kept).
func TestClientConnectionClose(t *testing.T) {
	var upstreamClose []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamClose = append(upstreamClose, fmt.Sprint(r.Close))
		fmt.Fprint(w, "ok")
	}))
	defer backend.Close()
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
	c := dial(t, addr)
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n")
	b, err := io.ReadAll(c) // ends only when the proxy closes
	if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 200") || !strings.Contains(strings.ToLower(string(b)), "connection: close") {
		t.Fatalf("answer %q, %v", b, err)
	}
	if fmt.Sprint(upstreamClose) != "[false]" {
		t.Errorf("the upstream saw Connection: close: %v", upstreamClose)
	}
}

// Drain waits for the requests to an upstream, streamed answers
// included, to be answered in full, and gives up when its context ends.
func TestDrainWaitsForInFlightRequests(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
		}
		<-release
		fmt.Fprint(w, "done")
	}))
	defer backend.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	target := backend.Listener.Addr().String()
	p, addr := start(t, Options{})
	p.Apply(t.Context(), []proxy.Route{route("app.example.com", backend.URL, proxy.Active)})
	if err := p.Drain(t.Context(), "127.0.0.1:1"); err != nil {
		t.Fatalf("Drain of an unknown upstream: %v", err)
	}
	answers := make(chan string, 2)
	for _, path := range []string{"/", "/stream"} {
		go func() {
			_, body := get(t, addr, "app.example.com", path)
			answers <- body
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.inflightOf(target) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("in flight: %d, want 2", p.inflightOf(target))
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.Apply(t.Context(), nil) // the route goes; its requests are still in flight
	short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := p.Drain(short, target); err == nil {
		t.Fatal("Drain returned while requests were in flight")
	}
	drained := make(chan error, 1)
	go func() { drained <- p.Drain(t.Context(), target) }()
	close(release)
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	for range 2 {
		if a := <-answers; !strings.HasSuffix(a, "done") {
			t.Errorf("answer %q", a)
		}
	}
}
