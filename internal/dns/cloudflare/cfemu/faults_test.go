package cfemu

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
	f.srv.FailNext(2, http.StatusServiceUnavailable)
	for range 2 {
		res := f.call("GET", "/zones", editToken, nil)
		wantError(t, res, 503, 10013)
		if res.Errors[0].Message != "Service Unavailable" {
			t.Errorf("message = %q", res.Errors[0].Message)
		}
	}
	f.ok("GET", "/zones", editToken, nil)

	f.srv.FailNext(1, http.StatusTooManyRequests)
	res := f.call("GET", "/zones", editToken, nil)
	wantError(t, res, 429, 10100)
	if res.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q", res.Header.Get("Retry-After"))
	}
}

func TestFailNextOn(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.FailNextOn("POST /zones/{zone_id}/dns_records", 1, http.StatusInternalServerError)
	body := map[string]any{"type": "A", "name": "www", "content": "198.51.100.1"}

	f.ok("GET", f.recordsPath(), readToken, nil) // other endpoints are untouched
	wantError(t, f.call("POST", f.recordsPath(), editToken, body), 500, 10013)
	if n := len(f.srv.Records(f.zone.ID)); n != 0 {
		t.Fatalf("the failed create stored %d records", n)
	}
	f.ok("POST", f.recordsPath(), editToken, body)

	// Rules queue: the first matching one is used up first.
	f.srv.FailNextOn("GET /zones", 1, 502)
	f.srv.FailNext(1, 500)
	wantError(t, f.call("GET", f.recordsPath(), readToken, nil), 500, 10013)
	wantError(t, f.call("GET", "/zones", readToken, nil), 502, 10013)
	f.ok("GET", "/zones", readToken, nil)

	f.srv.FailNext(5, 500)
	f.srv.ClearFaults()
	f.ok("GET", "/zones", readToken, nil)
}

func TestLatency(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetLatency(150 * time.Millisecond)
	start := time.Now()
	f.ok("GET", "/zones", editToken, nil)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("request took %v with 150ms latency", d)
	}
	// A client that gives up early is not kept waiting.
	client := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest("GET", f.ts.URL+"/client/v4/zones", nil)
	req.Header.Set("Authorization", "Bearer "+editToken)
	if _, err := client.Do(req); err == nil {
		t.Error("a 50ms client timeout did not trip on 150ms latency")
	}

	f.srv.SetLatency(0)
	start = time.Now()
	f.ok("GET", "/zones", editToken, nil)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("request took %v without latency", d)
	}
}

func TestDropNext(t *testing.T) {
	f := newFixture(t, Options{})
	get := func(path string) (*http.Response, error) {
		// A fresh connection each time: Go's transport would silently retry
		// an idempotent request that failed on a reused connection.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		req, _ := http.NewRequest("GET", f.ts.URL+"/client/v4"+path, nil)
		req.Header.Set("Authorization", "Bearer "+editToken)
		return client.Do(req)
	}

	f.srv.DropNext(1)
	if res, err := get("/zones"); err == nil {
		res.Body.Close()
		t.Fatalf("dropped request answered %d", res.StatusCode)
	} else if !errors.Is(err, io.EOF) {
		t.Errorf("dropped request failed with %v, want EOF", err)
	}
	res, err := get("/zones")
	if err != nil {
		t.Fatalf("request after the drop: %v", err)
	}
	res.Body.Close()

	f.srv.DropNextOn("GET /zones/{zone_id}/dns_records", 1)
	if res, err := get("/zones"); err != nil {
		t.Fatalf("other endpoint dropped: %v", err)
	} else {
		res.Body.Close()
	}
	if res, err := get(f.recordsPath()); err == nil {
		res.Body.Close()
		t.Fatal("targeted drop did not happen")
	}
	if got := f.srv.Calls()["GET /zones/{zone_id}/dns_records"]; got != 1 {
		t.Errorf("dropped call counted %d times, want 1", got)
	}
}

func TestCallCounters(t *testing.T) {
	f := newFixture(t, Options{})
	rec := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1"})
	f.ok("GET", f.recordsPath(), readToken, nil)
	f.ok("GET", f.recordsPath()+"?page=2", readToken, nil)
	f.ok("GET", f.recordsPath()+"/"+rec.ID, readToken, nil)
	f.ok("PATCH", f.recordsPath()+"/"+rec.ID, editToken, map[string]any{"ttl": 120})
	f.ok("POST", f.batchPath(), editToken, map[string]any{"deletes": []map[string]any{{"id": rec.ID}}})
	f.ok("GET", "/user/tokens/verify", readToken, nil)
	f.call("GET", "/zones", "", nil)                      // refused calls count too
	f.call("POST", "/zones", editToken, nil)              // wrong method
	f.call("GET", "/nowhere", editToken, nil)             // no route
	f.call("PUT", f.recordsPath()+"/"+rec.ID, "bad", nil) // bad token

	want := map[string]int{
		"POST /zones/{zone_id}/dns_records":                  1,
		"GET /zones/{zone_id}/dns_records":                   2,
		"GET /zones/{zone_id}/dns_records/{dns_record_id}":   1,
		"PATCH /zones/{zone_id}/dns_records/{dns_record_id}": 1,
		"PUT /zones/{zone_id}/dns_records/{dns_record_id}":   1,
		"POST /zones/{zone_id}/dns_records/batch":            1,
		"GET /user/tokens/verify":                            1,
		"GET /zones":                                         1,
		"POST /zones":                                        1,
		"GET /nowhere":                                       1,
	}
	if got := f.srv.Calls(); !maps.Equal(got, want) {
		t.Errorf("Calls() = %v\nwant %v", got, want)
	}
	if got := f.srv.TotalCalls(); got != 11 {
		t.Errorf("TotalCalls() = %d, want 11", got)
	}
	f.srv.ResetCalls()
	if f.srv.TotalCalls() != 0 || len(f.srv.Calls()) != 0 {
		t.Errorf("after ResetCalls: %d %v", f.srv.TotalCalls(), f.srv.Calls())
	}
}

func TestRouteErrors(t *testing.T) {
	f := newFixture(t, Options{})
	res := f.call("DELETE", "/zones", editToken, nil)
	wantError(t, res, 405, 10000)
	if res.Errors[0].Message != "DELETE method not allowed for the api_token authentication scheme" {
		t.Errorf("message = %q", res.Errors[0].Message)
	}
	res = f.call("GET", "/zones/"+f.zone.ID+"/settings", editToken, nil)
	wantError(t, res, 400, 7003)
	if res.Errors[0].Message != "Could not route to /zones/"+f.zone.ID+"/settings, perhaps your object identifier is invalid?" {
		t.Errorf("message = %q", res.Errors[0].Message)
	}
}
