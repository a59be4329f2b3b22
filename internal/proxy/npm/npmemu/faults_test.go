package npmemu

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.FailNextOn("POST /nginx/proxy-hosts", 1, http.StatusBadGateway)
	f.srv.FailNext(1, http.StatusServiceUnavailable)

	// Rules are used oldest first, each by the requests it applies to.
	wantError(t, f.call("GET", "/nginx/proxy-hosts", f.token, nil), 503, "Service Unavailable")
	wantError(t, f.call("POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com")), 502, "Bad Gateway")
	if n := len(f.srv.Hosts()); n != 0 {
		t.Fatalf("a failed create stored %d hosts", n)
	}
	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com"))

	f.srv.FailNext(5, 500)
	f.srv.ClearFaults()
	ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", f.token, nil)
}

func TestDropNext(t *testing.T) {
	f := newFixture(t, Options{})
	get := func(path string) error {
		// A fresh connection each time: Go's transport retries an idempotent
		// request that failed on a reused one.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		req, _ := http.NewRequest("GET", f.ts.URL+"/api"+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	f.srv.DropNextOn("GET /nginx/proxy-hosts/{hostID}", 1)
	if err := get("/nginx/proxy-hosts"); err != nil {
		t.Fatalf("another endpoint was dropped: %v", err)
	}
	if err := get("/nginx/proxy-hosts/1"); !errors.Is(err, io.EOF) {
		t.Fatalf("dropped request: err = %v, want EOF", err)
	}
	if err := get("/nginx/proxy-hosts/1"); err != nil {
		t.Fatalf("after the drop: %v", err)
	}
}

func TestLatency(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetLatency(120 * time.Millisecond)
	start := time.Now()
	ok[map[string]any](f, 200, "GET", "/", "", nil)
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Errorf("took %v with 120ms latency", d)
	}
	f.srv.SetLatency(0)
	start = time.Now()
	ok[map[string]any](f, 200, "GET", "/", "", nil)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("took %v without latency", d)
	}
}

func TestCallsAndRoutes(t *testing.T) {
	f := newFixture(t, Options{})
	ok[tokenAnswer](f, 200, "POST", "/tokens", "", map[string]any{"identity": adminEmail, "secret": adminPass})
	ok[hostAnswer](f, 201, "POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com"))
	ok[hostAnswer](f, 200, "GET", "/nginx/proxy-hosts/1", f.token, nil)
	ok[hostAnswer](f, 200, "PUT", "/nginx/proxy-hosts/1", f.token, map[string]any{"forward_port": 81})
	f.call("GET", "/nginx/proxy-hosts", "", nil) // refused calls count too
	// Unknown paths and methods answer NPM's catch-all 404.
	wantError(t, f.call("GET", "/nowhere", f.token, nil), 404, "Not Found - /nowhere")
	wantError(t, f.call("PATCH", "/nginx/proxy-hosts/1", f.token, map[string]any{}), 404, "Not Found - /nginx/proxy-hosts/1")

	want := map[string]int{
		"POST /tokens":                    1,
		"POST /nginx/proxy-hosts":         1,
		"GET /nginx/proxy-hosts/{hostID}": 1,
		"PUT /nginx/proxy-hosts/{hostID}": 1,
		"GET /nginx/proxy-hosts":          1,
		"GET /nowhere":                    1,
		"PATCH /nginx/proxy-hosts/1":      1,
	}
	got, total := f.srv.Calls(), f.srv.TotalCalls()
	f.srv.ResetCalls()
	if !maps.Equal(got, want) || total != 7 {
		t.Errorf("Calls() = %v (total %d)\nwant %v (total 7)", got, total, want)
	}
	if after := f.srv.Calls(); f.srv.TotalCalls() != 0 || len(after) != 0 {
		t.Errorf("after ResetCalls: %v", after)
	}
}

func TestListen(t *testing.T) {
	srv := New(Options{})
	base, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.URL() != base {
		t.Errorf("URL() = %q, Listen gave %q", srv.URL(), base)
	}
	if _, err := srv.Listen("127.0.0.1:0"); err == nil {
		t.Error("a second Listen was accepted")
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := srv.Close(); err != nil || srv.URL() != "" {
		t.Fatalf("Close: %v, URL %q", err, srv.URL())
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("still serving after Close")
	}
}
