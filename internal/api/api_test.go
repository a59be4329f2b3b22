package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/api/openapitest"
	"github.com/dockerwatcher/docker-watcher/internal/app"
	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/config"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cftest"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

const adminPassword = "correct horse battery"

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type env struct {
	t      *testing.T
	app    *app.App
	srv    *api.Server
	url    string
	store  *store.Store
	client *http.Client // logged in with a session cookie
	logs   *syncBuffer
	cf     *cfemu.Server // Cloudflare API emulator the DNS provider talks to
	cfg    config.Config
	stop   func()
	// openapi validates every request and answer against the OpenAPI
	// document; the test fails with each mismatch when it ends.
	openapi *openapitest.Validator
}

// newEnv serves Docker Watcher's object graph (app.New, as serve builds it)
// on a new data folder, with its DNS provider on a Cloudflare emulator.
func newEnv(t *testing.T) *env {
	t.Helper()
	cf := cftest.Start(t, cfemu.Options{})
	cfg := config.Default()
	cfg.DataDir, cfg.AdminPassword, cfg.CloudflareAPIURL, cfg.LogLevel = t.TempDir(), adminPassword, cf.URL, "debug"
	v, err := openapitest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, logs: &syncBuffer{}, cf: cf.Server, cfg: cfg, openapi: v}
	// Registered before the server's own clean-up, so it runs after the
	// server has stopped and every answer is in.
	t.Cleanup(func() { v.Report(t) })
	e.start()
	return e
}

// start builds the graph on the env's data folder, as a process start
// does: a reconciler and scheduler that know only what the store holds,
// and a new session.
func (e *env) start() {
	e.t.Helper()
	ctx, stop := context.WithCancel(e.t.Context())
	a, err := app.New(ctx, e.cfg, e.logs, app.WithBcryptCost(bcrypt.MinCost), app.WithHookDebounce(20*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); a.Scheduler.Run(ctx) }()
	ts := httptest.NewServer(e.openapi.Wrap(a.Handler))
	e.app, e.srv, e.store = a, a.API, a.Store
	jar, _ := cookiejar.New(nil)
	e.url, e.client = ts.URL, &http.Client{Jar: jar}
	e.stop = func() {
		stop()
		ts.Close()
		<-schedDone
		a.Close()
	}
	e.t.Cleanup(func() {
		if e.app == a {
			e.stop()
		}
	})
	res := e.do(e.client, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword})
	e.expect(res, http.StatusOK)
}

// watch runs the registry watcher until the test ends. Only tests whose
// apps name registries on 127.0.0.1 run it: it asks every watched app's
// registry at once.
func (e *env) watch() {
	ctx, cancel := context.WithCancel(e.t.Context())
	done := make(chan struct{})
	go func() { defer close(done); e.app.Watcher.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

// restart stops the server and its background work, closes the store and
// starts anew on the same data folder: nothing is kept in memory.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.app = nil
	e.start()
}

// do sends a JSON request; body may be a string (sent as is) or a value.
func (e *env) do(c *http.Client, method, path string, body any, header ...string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// expect checks the status and returns the body.
func (e *env) expect(res *http.Response, status int) []byte {
	e.t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, b)
	}
	return b
}

// expectError checks an error answer's status and field.
func (e *env) expectError(res *http.Response, status int, field string) api.ErrorBody {
	e.t.Helper()
	var eb api.ErrorBody
	b := e.expect(res, status)
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error == "" {
		e.t.Fatalf("error body %s is not {\"error\": ...}", b)
	}
	if eb.Field != field {
		e.t.Fatalf("field %q, want %q (error %q)", eb.Field, field, eb.Error)
	}
	return eb
}

func decodeInto[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// Every route but login and health refuses a caller without credentials,
// and so does an unknown token.
func TestEveryRouteNeedsAuthentication(t *testing.T) {
	e := newEnv(t)
	routes := e.srv.Routes()
	replacer := strings.NewReplacer("{id}", "1", "{fqdn}", "a.example.com")
	checked := 0
	for _, rt := range routes {
		if rt.Public {
			continue
		}
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok && strings.HasSuffix(rt.Pattern, "/") {
			method, path = "GET", rt.Pattern+"anything"
		} else if !ok {
			method, path = "PATCH", rt.Pattern // a 405 route
		}
		path = replacer.Replace(path)
		for _, hdr := range [][]string{nil, {"Authorization", "Bearer dw_not-a-real-token"}, {"Cookie", "dw_session=forged"}} {
			res := e.do(http.DefaultClient, method, path, "{}", hdr...)
			e.expectError(res, http.StatusUnauthorized, "")
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("checked only %d routes", checked)
	}
	e.expect(e.do(http.DefaultClient, "GET", "/healthz", nil), http.StatusOK)
}

func TestCrossOriginRequestRefused(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"domain": "x.example.com", "forward_scheme": "http", "forward_host": "h", "forward_port": 80}
	e.expectError(e.do(e.client, "POST", "/api/proxies", body, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "")
	e.expectError(e.do(e.client, "POST", "/api/proxies", body, "Origin", "https://evil.example"), http.StatusForbidden, "")
	e.expectError(e.do(e.client, "PUT", "/api/settings", `{"domain":"evil.example"}`, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "")
	if ps, _ := e.store.Proxies(t.Context()); len(ps) != 0 {
		t.Fatalf("a refused request created %v", ps)
	}
	if st, _ := e.store.Settings(t.Context()); st.Domain != "" {
		t.Fatalf("a refused request changed settings: %q", st.Domain)
	}
	// The same request from the app's own origin goes through.
	e.expect(e.do(e.client, "POST", "/api/proxies", body, "Sec-Fetch-Site", "same-origin"), http.StatusCreated)
}

func TestLoginSessionAndLogout(t *testing.T) {
	e := newEnv(t)
	e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": "wrong password"}), http.StatusUnauthorized, "")
	e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "nobody", "password": "wrong password"}), http.StatusUnauthorized, "")
	e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin"}), http.StatusBadRequest, "password")

	res := e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "Admin", "password": adminPassword})
	e.expect(res, http.StatusOK)
	var c *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == api.SessionCookie {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || len(c.Value) < 40 {
		t.Fatalf("session cookie %+v", c)
	}
	me := decodeInto[api.UserResponse](t, e.expect(e.do(e.client, "GET", "/api/auth/me", nil), http.StatusOK))
	if me.User.Username != "admin" {
		t.Fatalf("me = %+v", me)
	}
	e.expect(e.do(e.client, "POST", "/api/auth/logout", nil), http.StatusNoContent)
	e.expectError(e.do(e.client, "GET", "/api/auth/me", nil), http.StatusUnauthorized, "")
	// Logging out one session leaves the other; its cookie value is then
	// dead at the server, not just cleared in a cookie jar.
	cookie := []string{"Cookie", api.SessionCookie + "=" + c.Value}
	e.expect(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, cookie...), http.StatusOK)
	e.expect(e.do(http.DefaultClient, "POST", "/api/auth/logout", nil, cookie...), http.StatusNoContent)
	e.expectError(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, cookie...), http.StatusUnauthorized, "")
	if strings.Contains(e.logs.String(), adminPassword) {
		t.Fatal("a password was logged")
	}
}

func TestFailedLoginsAreSlowedDown(t *testing.T) {
	e := newEnv(t)
	bad := map[string]string{"username": "admin", "password": "wrong password"}
	for range 5 {
		e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", bad), http.StatusUnauthorized, "")
	}
	// Locked now, even with the right password.
	res := e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword})
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	e.expectError(res, http.StatusTooManyRequests, "")
	// Guessing other user names from the same address hits the address limit.
	for i := range 15 {
		e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "user" + string(rune('a'+i)), "password": "x"}).Body.Close()
	}
	e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "someone", "password": "x"}), http.StatusTooManyRequests, "")
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	e.expectError(e.do(e.client, "POST", "/api/tokens", map[string]string{"name": " "}), http.StatusBadRequest, "name")
	created := decodeInto[api.CreatedToken](t, e.expect(e.do(e.client, "POST", "/api/tokens", map[string]string{"name": "ci"}), http.StatusCreated))
	if !strings.HasPrefix(created.Token, auth.TokenPrefix) || !strings.HasPrefix(created.Token, created.Prefix) {
		t.Fatalf("token %+v", created)
	}
	bearer := []string{"Authorization", "Bearer " + created.Token}
	e.expect(e.do(http.DefaultClient, "GET", "/api/settings", nil, bearer...), http.StatusOK)
	e.expectError(e.do(http.DefaultClient, "GET", "/api/settings", nil, "Authorization", "Token "+created.Token), http.StatusUnauthorized, "")
	list := e.expect(e.do(e.client, "GET", "/api/tokens", nil), http.StatusOK)
	if bytes.Contains(list, []byte(created.Token)) {
		t.Fatal("token list shows the token")
	}
	tokens := decodeInto[[]map[string]any](t, list)
	if len(tokens) != 1 || tokens[0]["last_used_at"] == nil {
		t.Fatalf("tokens %s", list)
	}
	e.expect(e.do(e.client, "DELETE", "/api/tokens/"+itoa(created.ID), nil), http.StatusNoContent)
	e.expectError(e.do(http.DefaultClient, "GET", "/api/settings", nil, bearer...), http.StatusUnauthorized, "")
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	b := e.expect(e.do(http.DefaultClient, "GET", "/healthz", nil), http.StatusOK)
	if h := decodeInto[map[string]string](t, b); h["database"] != "ok" {
		t.Fatalf("health %s", b)
	}
	e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK)
	m := string(e.expect(e.do(e.client, "GET", "/metrics", nil), http.StatusOK))
	for _, want := range []string{
		`dw_http_requests_total{code="200",method="get",route="GET /api/settings"} 1`,
		`dw_http_request_duration_seconds_count{method="get",route="GET /api/settings"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestUnknownAPIRouteIsJSON404(t *testing.T) {
	e := newEnv(t)
	e.expectError(e.do(e.client, "GET", "/api/nothing/here", nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "GET", "/api/nope", nil), http.StatusNotFound, "")
	e.expectError(e.do(e.client, "PATCH", "/api/nope", nil), http.StatusNotFound, "")
}

// A known path asked with another method answers 405 and the methods the
// route table has for that path, after authentication like its routes.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	e := newEnv(t)
	before, err := e.store.Settings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, path, allow string }{
		{"PATCH", "/api/settings", "GET, HEAD, PUT"},
		{"POST", "/api/settings", "GET, HEAD, PUT"},
		{"DELETE", "/api/dns/sync", "POST"},
		{"GET", "/api/dns/sync", "POST"},
		{"PATCH", "/api/proxies/1", "DELETE, GET, HEAD, PUT"},
		{"POST", "/api/apps/1", "DELETE, GET, HEAD, PUT"},
		{"PUT", "/api/apps", "GET, HEAD, POST"},
		{"GET", "/api/dns/records/a.example.com", "DELETE"},
		{"DELETE", "/api/auth/me", "GET, HEAD"},
		{"GET", "/api/auth/login", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/metrics", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := e.do(e.client, tt.method, tt.path, `{"domain":"changed.example.com"}`)
			e.expectError(res, http.StatusMethodNotAllowed, "")
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
	// Private paths authenticate first: a stranger learns nothing more
	// than that authentication is required.
	res := e.do(http.DefaultClient, "PATCH", "/api/settings", "{}")
	e.expectError(res, http.StatusUnauthorized, "")
	if a := res.Header.Get("Allow"); a != "" {
		t.Errorf("401 carries Allow %q", a)
	}
	// Public paths answer 405 without credentials.
	e.expectError(e.do(http.DefaultClient, "GET", "/api/auth/login", nil), http.StatusMethodNotAllowed, "")
	if after, _ := e.store.Settings(t.Context()); after != before {
		t.Fatalf("settings changed:\n%+v\n%+v", before, after)
	}
	e.expectError(e.do(e.client, "GET", "/api/settings/extra", nil), http.StatusNotFound, "")
	e.expect(e.do(e.client, "GET", "/api/settings", nil), http.StatusOK)
	// The web app keeps every other path, whatever the method: its page for
	// a GET, its own plain-text 405 for a POST (not the API's JSON).
	if b := e.expect(e.do(e.client, "GET", "/dns/records", nil), http.StatusOK); !strings.HasPrefix(strings.ToLower(string(b)), "<!doctype html>") {
		t.Errorf("GET /dns/records did not reach the web app: %s", b)
	}
	if b := e.expect(e.do(e.client, "POST", "/dns/records", nil), http.StatusMethodNotAllowed); !strings.HasPrefix(string(b), "method not allowed") {
		t.Errorf("POST /dns/records did not reach the web app: %s", b)
	}
	e.expect(e.do(e.client, "HEAD", "/api/settings", nil), http.StatusOK)
}

func TestBadJSON(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		body  string
		field string
	}{
		{``, ""},
		{`{`, ""},
		{`[]`, ""},
		{`{"domain": 5}`, "domain"},
		{`{"nope": 1}`, "nope"},
		{`{"domain":"a.example.com"} {}`, ""},
		{`{"domain":"a.example.com"}}`, ""},
		{`{"domain":"a.example.com"}]`, ""},
		{`{"domain":"a.example.com"},`, ""},
		{`{"domain":"a.example.com"} x`, ""},
		{`{"domain":"a.example.com"} 1`, ""},
		{`{"domain":"a.example.com"}` + "\n\x00", ""},
	} {
		e.expectError(e.do(e.client, "PUT", "/api/settings", tt.body), http.StatusBadRequest, tt.field)
		if st, _ := e.store.Settings(t.Context()); st.Domain != "" {
			t.Fatalf("body %q was saved: domain %q", tt.body, st.Domain)
		}
	}
	// White space after the value is fine.
	e.expect(e.do(e.client, "PUT", "/api/settings", "{\"dns_ttl\":300} \r\n\t "), http.StatusOK)
	big := `{"domain":"` + strings.Repeat("a", api.MaxBody) + `"}`
	e.expectError(e.do(e.client, "PUT", "/api/settings", big), http.StatusRequestEntityTooLarge, "")
}

func itoa(i int64) string { return strings.TrimSpace(string(mustJSON(i))) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
