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
// upstream errors.
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
				n[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
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
}
