package cfemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

const (
	editToken = "edit-token"
	readToken = "read-token"
)

// fixture is an emulator on a loopback httptest server with one zone
// (example.com), an editing token and a read-only token.
type fixture struct {
	t    *testing.T
	srv  *Server
	ts   *httptest.Server
	zone Zone
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	srv := New(opts)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f := &fixture{t: t, srv: srv, ts: ts, zone: srv.AddZone("example.com")}
	srv.AddToken(editToken, TokenOptions{CanEdit: true})
	srv.AddToken(readToken, TokenOptions{})
	return f
}

// apiResponse is a decoded answer: the envelope, plus the raw keys to check
// its exact shape.
type apiResponse struct {
	Status     int
	Header     http.Header
	Success    bool            `json:"success"`
	Errors     []errorItem     `json:"errors"`
	Messages   []message       `json:"messages"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *resultInfo     `json:"result_info"`
	Keys       map[string]json.RawMessage
}

// call sends a request with plain net/http and decodes the envelope.
func (f *fixture) call(method, path, token string, body any) apiResponse {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.ts.URL+"/client/v4"+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.do(req)
}

// do sends a prepared request and decodes the envelope.
func (f *fixture) do(req *http.Request) apiResponse {
	f.t.Helper()
	res, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	out := apiResponse{Status: res.StatusCode, Header: res.Header}
	if err := json.Unmarshal(data, &out); err != nil {
		f.t.Fatalf("%s %s: body is not JSON: %v: %s", req.Method, req.URL.Path, err, data)
	}
	if err := json.Unmarshal(data, &out.Keys); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// ok fails the test unless the call succeeded, and returns it.
func (f *fixture) ok(method, path, token string, body any) apiResponse {
	f.t.Helper()
	res := f.call(method, path, token, body)
	if res.Status != http.StatusOK || !res.Success {
		f.t.Fatalf("%s %s: status %d, errors %+v", method, path, res.Status, res.Errors)
	}
	return res
}

// wantError checks status and the first error code.
func wantError(t *testing.T, res apiResponse, status, code int) {
	t.Helper()
	if res.Status != status || res.Success || len(res.Errors) == 0 || res.Errors[0].Code != code {
		t.Fatalf("got status %d success %v errors %+v; want status %d code %d", res.Status, res.Success, res.Errors, status, code)
	}
	if string(res.Keys["result"]) != "null" {
		t.Errorf("failure result = %s, want null", res.Keys["result"])
	}
}

// chainCode is the code inside a 1004 "DNS Validation Error".
func chainCode(res apiResponse) int {
	if len(res.Errors) == 0 || len(res.Errors[0].ErrorChain) == 0 {
		return 0
	}
	return res.Errors[0].ErrorChain[0].Code
}

func (f *fixture) recordsPath() string { return "/zones/" + f.zone.ID + "/dns_records" }

// create makes a record through the API and returns it.
func (f *fixture) create(body map[string]any) recordJSON {
	f.t.Helper()
	return decode[recordJSON](f.t, f.ok("POST", f.recordsPath(), editToken, body).Result)
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

func names(recs []recordJSON) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type + " " + r.Name
	}
	slices.Sort(out)
	return out
}
