package npmemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	adminEmail = "admin@example.com"
	adminPass  = "changeme"
)

// fixture is an emulator on a loopback httptest server with one admin
// user, logged in, and a clock the test moves.
type fixture struct {
	t       *testing.T
	srv     *Server
	ts      *httptest.Server
	now     time.Time
	adminID int
	token   string // the admin's
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	opts.Now = func() time.Time { return f.now }
	f.srv = New(opts)
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	f.adminID = f.srv.AddUser(UserOptions{Email: adminEmail, Password: adminPass, Name: "Admin", Admin: true})
	f.token = f.srv.IssueToken(f.adminID, f.now.Add(time.Hour))
	return f
}

// response is a decoded answer: status, NPM's error if any, the raw body.
type response struct {
	Status int
	Raw    json.RawMessage
	Error  struct {
		Code        int    `json:"code"`
		Message     string `json:"message"`
		MessageI18n string `json:"message_i18n"`
	}
}

// call sends a JSON request with plain net/http; body may be a string
// (sent as is) or a value to marshal.
func (f *fixture) call(method, path, token string, body any) response {
	f.t.Helper()
	req := httptest.NewRequestWithContext(f.t.Context(), method, f.ts.URL+"/api"+path, requestBody(f.t, body))
	req.RequestURI = ""
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out := response{Status: res.StatusCode}
	if out.Raw, err = io.ReadAll(res.Body); err != nil {
		f.t.Fatal(err)
	}
	if res.StatusCode < 400 {
		return out
	}
	var e struct {
		Error *json.RawMessage `json:"error"`
	}
	if json.Unmarshal(out.Raw, &e) != nil || e.Error == nil {
		f.t.Fatalf("%s %s: status %d without NPM's error JSON: %s", method, path, res.StatusCode, out.Raw)
	}
	_ = json.Unmarshal(*e.Error, &out.Error)
	return out
}

func requestBody(t *testing.T, body any) io.Reader {
	t.Helper()
	if s, isString := body.(string); isString {
		return strings.NewReader(s)
	}
	if body == nil {
		return nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// ok fails unless the call answered want, and decodes the body into T.
func ok[T any](f *fixture, want int, method, path, token string, body any) T {
	f.t.Helper()
	res := f.call(method, path, token, body)
	if res.Status != want {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.Status, want, res.Raw)
	}
	var v T
	if err := json.Unmarshal(res.Raw, &v); err != nil {
		f.t.Fatalf("decode %s: %v", res.Raw, err)
	}
	return v
}

// wantError checks the status and the exact message of NPM's error JSON,
// whose code must equal the status.
func wantError(t *testing.T, res response, status int, msg string) {
	t.Helper()
	if res.Status != status || res.Error.Code != status || res.Error.Message != msg {
		t.Fatalf("got %d %s; want %d with message %q", res.Status, res.Raw, status, msg)
	}
}

// hostBody is a minimal valid create body for domain.
func hostBody(domain string) map[string]any {
	return map[string]any{"domain_names": []string{domain}, "forward_scheme": "http",
		"forward_host": "127.0.0.1", "forward_port": 8080}
}

// hostAnswer is the part of a host answer the tests read.
type hostAnswer struct {
	ID          int            `json:"id"`
	OwnerUserID int            `json:"owner_user_id"`
	DomainNames []string       `json:"domain_names"`
	ForwardHost string         `json:"forward_host"`
	ForwardPort int            `json:"forward_port"`
	Enabled     bool           `json:"enabled"`
	Meta        map[string]any `json:"meta"`
	SSLForced   bool           `json:"ssl_forced"`
	Owner       *struct {
		Email string `json:"email"`
	} `json:"owner"`
}
