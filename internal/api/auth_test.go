package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockerwatcher/docker-watcher/internal/api"
	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Parallel guesses are counted before the password is checked: of 39 wrong
// passwords sent at once, only the limit's worth reach bcrypt, and the right
// password sent next is refused.
func TestParallelLoginsAreCountedBeforeTheCheck(t *testing.T) {
	e := newEnv(t)
	// A hash slow enough that, were attempts counted only after the
	// check, all guesses would be checked before the first one counted.
	hash, err := bcrypt.GenerateFromPassword([]byte(adminPassword), 10)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := e.store.UserByName(t.Context(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetPasswordHash(t.Context(), admin.ID, string(hash)); err != nil {
		t.Fatal(err)
	}

	start := make(chan struct{})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 39 {
		wg.Go(func() {
			<-start
			res := e.do(http.DefaultClient, "POST", "/api/auth/login",
				map[string]string{"username": "admin", "password": "wrong password " + itoa(int64(i))})
			res.Body.Close()
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusUnauthorized] != api.MaxUserAttempts || statuses[http.StatusTooManyRequests] != 39-api.MaxUserAttempts {
		t.Fatalf("answers %v: want %d checked (401) and the rest refused (429)", statuses, api.MaxUserAttempts)
	}
	res := e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword})
	e.expectError(res, http.StatusTooManyRequests, "")
}

// Oversized credentials are refused before they reach the limiter, bcrypt
// or the log, and a failed name is logged only as a short quoted prefix.
func TestCredentialsAreBounded(t *testing.T) {
	e := newEnv(t)
	login := func(username, password string) *http.Response {
		return e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": username, "password": password})
	}
	huge := strings.Repeat("u", 1<<20)
	e.expectError(login(huge, "x"), http.StatusRequestEntityTooLarge, "")
	e.expectError(login(strings.Repeat("u", api.MaxUsername+1), "wrong password"), http.StatusBadRequest, "username")
	e.expectError(login("admin", strings.Repeat("p", api.MaxPassword+1)), http.StatusBadRequest, "password")
	if n := e.srv.LimiterLen(); n != 0 {
		t.Fatalf("refused logins left %d limiter entries", n)
	}
	if strings.Contains(e.logs.String(), "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu") {
		t.Fatal("an oversized user name was logged")
	}

	// A name at the bound, with a line break that would forge a log line.
	name := "evil\nlevel=INFO msg=\"login\" " + strings.Repeat("x", api.MaxUsername)
	name = name[:api.MaxUsername]
	e.expectError(login(name, "wrong password"), http.StatusUnauthorized, "")
	logs := e.logs.String()
	// The 32-byte prefix ends after four of the x's.
	if strings.Contains(logs, "\nlevel=info") || strings.Contains(logs, "xxxxx") {
		t.Fatalf("failed name logged raw or in full:\n%s", logs)
	}
	if !strings.Contains(logs, `evil\\nlevel=info`) {
		t.Fatalf("failed name not logged as an escaped prefix:\n%s", logs)
	}

	// Tokens and cookies longer than any real one are refused unread.
	long := "dw_" + strings.Repeat("t", api.MaxSecret)
	e.expectError(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, "Authorization", "Bearer "+long), http.StatusUnauthorized, "")
	e.expectError(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, "Cookie", api.SessionCookie+"="+long), http.StatusUnauthorized, "")
}

// sessionCookieOf returns the session cookie a response sets, or nil.
func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == api.SessionCookie {
			return c
		}
	}
	return nil
}

// newSession logs in on a new client.
func (e *env) newSession(password string) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	e.expect(e.do(c, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": password}), http.StatusOK)
	return c
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	other := e.newSession(adminPassword)
	token := decodeInto[api.CreatedToken](t, e.expect(e.do(e.client, "POST", "/api/tokens", map[string]string{"name": "ci"}), http.StatusCreated)).Token
	const newPassword = "a new and longer password"
	for _, tt := range []struct {
		name  string
		body  any
		field string
	}{
		{"no current", map[string]string{"new_password": newPassword}, "current_password"},
		{"wrong current", map[string]string{"current_password": "wrong password", "new_password": newPassword}, "current_password"},
		{"huge current", map[string]string{"current_password": strings.Repeat("p", 100), "new_password": newPassword}, "current_password"},
		{"short new", map[string]string{"current_password": adminPassword, "new_password": "short"}, "new_password"},
		{"long new", map[string]string{"current_password": adminPassword, "new_password": strings.Repeat("p", 73)}, "new_password"},
		{"unknown field", map[string]string{"current_password": adminPassword, "password": newPassword}, "password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.expectError(e.do(e.client, "PUT", "/api/auth/password", tt.body), http.StatusBadRequest, tt.field)
		})
	}
	// Nothing changed by the refused attempts.
	e.expect(e.do(other, "GET", "/api/auth/me", nil), http.StatusOK)

	res := e.do(e.client, "PUT", "/api/auth/password", map[string]string{"current_password": adminPassword, "new_password": newPassword})
	e.expect(res, http.StatusNoContent)
	if c := sessionCookieOf(res); c == nil || c.Value == "" || c.MaxAge <= 0 {
		t.Fatalf("the caller got no new session: %+v", c)
	}
	e.expect(e.do(e.client, "GET", "/api/auth/me", nil), http.StatusOK)
	e.expectError(e.do(other, "GET", "/api/auth/me", nil), http.StatusUnauthorized, "")
	e.expect(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, "Authorization", "Bearer "+token), http.StatusOK)
	e.expectError(e.do(http.DefaultClient, "POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword}), http.StatusUnauthorized, "")
	e.newSession(newPassword)
	logs := e.logs.String()
	if strings.Contains(logs, newPassword) || strings.Contains(logs, adminPassword) {
		t.Fatal("a password was logged")
	}
}

// Guessing the current password is limited like guessing at the login.
func TestChangePasswordGuessesAreLimited(t *testing.T) {
	e := newEnv(t)
	for range api.MaxUserAttempts {
		e.expectError(e.do(e.client, "PUT", "/api/auth/password",
			map[string]string{"current_password": "wrong password", "new_password": "a new password"}), http.StatusBadRequest, "current_password")
	}
	e.expectError(e.do(e.client, "PUT", "/api/auth/password",
		map[string]string{"current_password": adminPassword, "new_password": "a new password"}), http.StatusTooManyRequests, "")
}

func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	other := e.newSession(adminPassword)
	token := decodeInto[api.CreatedToken](t, e.expect(e.do(e.client, "POST", "/api/tokens", map[string]string{"name": "ci"}), http.StatusCreated)).Token
	res := e.do(e.client, "DELETE", "/api/auth/sessions", nil)
	e.expect(res, http.StatusNoContent)
	if c := sessionCookieOf(res); c == nil || c.MaxAge >= 0 {
		t.Fatalf("the caller's cookie was not cleared: %+v", c)
	}
	for _, c := range []*http.Client{e.client, other} {
		e.expectError(e.do(c, "GET", "/api/auth/me", nil), http.StatusUnauthorized, "")
	}
	e.expect(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, "Authorization", "Bearer "+token), http.StatusOK)
	e.newSession(adminPassword) // logging in again works
}

// createToken creates a token through the API with the given client and
// extra headers, and returns it.
func (e *env) createToken(c *http.Client, body map[string]any, header ...string) api.CreatedToken {
	e.t.Helper()
	return decodeInto[api.CreatedToken](e.t, e.expect(e.do(c, "POST", "/api/tokens", body, header...), http.StatusCreated))
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func TestTokenValidation(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		body  string
		field string
	}{
		{`{"name":"x","scope":"admin"}`, "scope"},
		{`{"name":"x","expires_in_days":0}`, "expires_in_days"},
		{`{"name":"x","expires_in_days":3651}`, "expires_in_days"},
		{`{"name":"x","expires_in_days":"soon"}`, "expires_in_days"},
		{`{"name":"x","expires_at":"2030-01-01T00:00:00Z"}`, "expires_at"},
	} {
		e.expectError(e.do(e.client, "POST", "/api/tokens", tt.body), http.StatusBadRequest, tt.field)
	}
	full := e.createToken(e.client, map[string]any{"name": "default"})
	if full.Scope != "full" || full.ExpiresAt != nil {
		t.Fatalf("default token %+v, want full scope, no expiry", full)
	}
	week := e.createToken(e.client, map[string]any{"name": "week", "expires_in_days": 7, "scope": "read"})
	if d := time.Until(*week.ExpiresAt); week.Scope != "read" || d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour {
		t.Fatalf("7-day token %+v", week)
	}
	list := decodeInto[[]map[string]any](t, e.expect(e.do(e.client, "GET", "/api/tokens", nil), http.StatusOK))
	if len(list) != 2 || list[0]["scope"] != "read" || list[0]["expires_at"] == nil || list[1]["expires_at"] != nil {
		t.Fatalf("tokens %v", list)
	}
}

// A read token reads, and nothing else: no change, no new token.
func TestReadScopeToken(t *testing.T) {
	e := newEnv(t)
	read := e.createToken(e.client, map[string]any{"name": "grafana", "scope": "read"})
	h := bearer(read.Token)
	e.expect(e.do(http.DefaultClient, "GET", "/api/settings", nil, h...), http.StatusOK)
	e.expect(e.do(http.DefaultClient, "GET", "/metrics", nil, h...), http.StatusOK)
	e.expect(e.do(http.DefaultClient, "HEAD", "/api/auth/me", nil, h...), http.StatusOK)
	for _, rq := range []struct{ method, path, body string }{
		{"PUT", "/api/settings", `{"domain":"evil.example"}`},
		{"POST", "/api/tokens", `{"name":"escalate"}`},
		{"DELETE", "/api/tokens/" + itoa(read.ID), ""},
		{"POST", "/api/proxies", `{"domain":"x.example.com","forward_scheme":"http","forward_host":"h","forward_port":80}`},
		{"PUT", "/api/auth/password", `{"current_password":"x","new_password":"yyyyyyyy"}`},
		{"DELETE", "/api/auth/sessions", ""},
	} {
		e.expectError(e.do(http.DefaultClient, rq.method, rq.path, rq.body, h...), http.StatusForbidden, "")
	}
	if st, _ := e.store.Settings(t.Context()); st.Domain != "" {
		t.Fatalf("a read token changed settings: %q", st.Domain)
	}
	if ts, _ := e.store.APITokens(t.Context(), 1); len(ts) != 1 {
		t.Fatalf("tokens after a read token's attempts: %+v", ts)
	}
	e.expect(e.do(e.client, "GET", "/api/auth/me", nil), http.StatusOK) // sessions untouched
}

// A full token may create tokens, but one made with an expiring token
// cannot outlive it.
func TestTokenCreatedByToken(t *testing.T) {
	e := newEnv(t)
	full := e.createToken(e.client, map[string]any{"name": "ci"})
	child := e.createToken(http.DefaultClient, map[string]any{"name": "child", "scope": "read"}, bearer(full.Token)...)
	e.expect(e.do(http.DefaultClient, "GET", "/api/settings", nil, bearer(child.Token)...), http.StatusOK)

	expiring := e.createToken(e.client, map[string]any{"name": "week", "expires_in_days": 7})
	h := bearer(expiring.Token)
	e.expectError(e.do(http.DefaultClient, "POST", "/api/tokens", map[string]any{"name": "forever"}, h...), http.StatusBadRequest, "expires_in_days")
	e.expectError(e.do(http.DefaultClient, "POST", "/api/tokens", map[string]any{"name": "longer", "expires_in_days": 8}, h...), http.StatusBadRequest, "expires_in_days")
	e.createToken(http.DefaultClient, map[string]any{"name": "shorter", "expires_in_days": 7}, h...)
}

func TestExpiredTokenRefused(t *testing.T) {
	e := newEnv(t)
	past := time.Now().Add(-time.Second)
	const token = auth.TokenPrefix + "expired-token-for-the-test"
	if err := e.store.CreateAPIToken(t.Context(), &model.APIToken{UserID: 1, Name: "old", Prefix: token[:9],
		Scope: model.TokenScopeFull, ExpiresAt: &past}, auth.Hash(token)); err != nil {
		t.Fatal(err)
	}
	e.expectError(e.do(http.DefaultClient, "GET", "/api/auth/me", nil, bearer(token)...), http.StatusUnauthorized, "")
}
