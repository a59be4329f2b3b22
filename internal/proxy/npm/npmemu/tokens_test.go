package npmemu

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

type tokenAnswer struct {
	Token          string `json:"token"`
	Expires        string `json:"expires"`
	Requires2FA    bool   `json:"requires_2fa"`
	ChallengeToken string `json:"challenge_token"`
}

func TestLoginGivesTokenWithExpiry(t *testing.T) {
	f := newFixture(t, Options{})
	got := ok[tokenAnswer](f, 200, "POST", "/tokens", "", map[string]any{"identity": " ADMIN@example.com ", "secret": adminPass})
	if strings.Count(got.Token, ".") != 2 || !strings.HasPrefix(got.Token, "eyJ") {
		t.Errorf("token %q is not JWT-shaped", got.Token)
	}
	if want := "2026-03-02T12:00:00.000Z"; got.Expires != want { // NPM's "1d"
		t.Errorf("expires = %q, want %q", got.Expires, want)
	}
	ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", got.Token, nil)

	f2 := newFixture(t, Options{TokenExpiry: 2 * time.Hour})
	got = ok[tokenAnswer](f2, 200, "POST", "/tokens", "", map[string]any{"identity": adminEmail, "secret": adminPass})
	if got.Expires != "2026-03-01T14:00:00.000Z" {
		t.Errorf("configured expiry: expires = %q", got.Expires)
	}
}

func TestLoginRefused(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.AddUser(UserOptions{Email: "off@example.com", Password: "pw", Disabled: true})

	// A wrong password carries message_i18n, an unknown or disabled user not.
	res := f.call("POST", "/tokens", "", map[string]any{"identity": adminEmail, "secret": "wrong"})
	wantError(t, res, 400, "Invalid email or password")
	if res.Error.MessageI18n != "error.invalid-auth" {
		t.Errorf("message_i18n = %q", res.Error.MessageI18n)
	}
	for _, email := range []string{"nobody@example.com", "off@example.com"} {
		res = f.call("POST", "/tokens", "", map[string]any{"identity": email, "secret": "pw"})
		wantError(t, res, 400, "Invalid email or password")
		if res.Error.MessageI18n != "" {
			t.Errorf("%s: message_i18n = %q", email, res.Error.MessageI18n)
		}
	}

	// The schema: required fields, no extra properties (not even expiry).
	wantError(t, f.call("POST", "/tokens", "", map[string]any{"identity": adminEmail}), 400,
		"data must have required property 'secret'")
	wantError(t, f.call("POST", "/tokens", "", map[string]any{"identity": adminEmail, "secret": adminPass, "expiry": "10y"}), 400,
		"data must NOT have additional properties")
	wantError(t, f.call("POST", "/tokens", "", map[string]any{"identity": adminEmail, "secret": adminPass, "scope": "admin"}), 400,
		"data/scope must be equal to one of the allowed values")
	wantError(t, f.call("POST", "/tokens", "", "{not json"), 400, "Internal Error")
}

func TestLoginWith2FA(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.AddUser(UserOptions{Email: "two@example.com", Password: "pw", TwoFactorCode: "123456"})

	login := map[string]any{"identity": "two@example.com", "secret": "pw"}
	ch := ok[tokenAnswer](f, 200, "POST", "/tokens", "", login)
	keys := ok[map[string]any](f, 200, "POST", "/tokens", "", login)
	if !ch.Requires2FA || ch.ChallengeToken == "" || ch.Token != "" || len(keys) != 2 {
		t.Fatalf("challenge answer = %+v (keys %v), want only requires_2fa and challenge_token", ch, keys)
	}
	// The challenge is no token for the API: the request falls through to
	// NPM's catch-all 404.
	wantError(t, f.call("GET", "/nginx/proxy-hosts", ch.ChallengeToken, nil), 404, "Not Found - /nginx/proxy-hosts")

	res := f.call("POST", "/tokens/2fa", "", map[string]any{"challenge_token": ch.ChallengeToken, "code": "000000"})
	wantError(t, res, 400, "Invalid verification code")
	if res.Error.MessageI18n != "error.invalid-2fa" {
		t.Errorf("message_i18n = %q", res.Error.MessageI18n)
	}
	wantError(t, f.call("POST", "/tokens/2fa", "", map[string]any{"challenge_token": "x", "code": "123456"}), 400,
		"Invalid or expired challenge token")
	wantError(t, f.call("POST", "/tokens/2fa", "", map[string]any{"challenge_token": f.token, "code": "123456"}), 400,
		"Invalid challenge token")
	wantError(t, f.call("POST", "/tokens/2fa", "", map[string]any{"challenge_token": ch.ChallengeToken, "code": "1"}), 400,
		"data/code must NOT have fewer than 6 characters")

	full := ok[tokenAnswer](f, 200, "POST", "/tokens/2fa", "", map[string]any{"challenge_token": ch.ChallengeToken, "code": "123456"})
	ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", full.Token, nil)

	// Challenges last five minutes.
	f.now = f.now.Add(5 * time.Minute)
	wantError(t, f.call("POST", "/tokens/2fa", "", map[string]any{"challenge_token": ch.ChallengeToken, "code": "123456"}), 400,
		"Invalid or expired challenge token")
}

func TestRefreshToken(t *testing.T) {
	f := newFixture(t, Options{})
	got := ok[tokenAnswer](f, 200, "GET", "/tokens", f.token, nil)
	if got.Token == f.token || got.Expires != "2026-03-02T12:00:00.000Z" {
		t.Fatalf("refresh = %+v", got)
	}
	ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", got.Token, nil)
	ok[[]hostAnswer](f, 200, "GET", "/nginx/proxy-hosts", f.token, nil) // the old one still works

	long := ok[tokenAnswer](f, 200, "GET", "/tokens?expiry=10y", f.token, nil)
	if long.Expires != "2036-03-01T12:00:00.000Z" {
		t.Errorf("?expiry=10y: expires = %q", long.Expires)
	}
	wantError(t, f.call("GET", "/tokens?expiry=soon", f.token, nil), 400, "Invalid expiry time: soon")
	wantError(t, f.call("GET", "/tokens", "", nil), 500, "Internal Error") // NPM's ReferenceError
}

func TestExpiredAndUnknownTokens(t *testing.T) {
	f := newFixture(t, Options{})
	f.now = f.now.Add(time.Hour) // the fixture's token expires now
	for _, path := range []string{"/tokens", "/nginx/proxy-hosts", "/nginx/proxy-hosts/1"} {
		wantError(t, f.call("GET", path, f.token, nil), 400, "Token has expired")
		wantError(t, f.call("GET", path, "eyJhbGciOiJSUzI1NiJ9.e30.forged", nil), 500, "Internal Error")
	}
	wantError(t, f.call("POST", "/nginx/proxy-hosts", f.token, hostBody("a.example.com")), 400, "Token has expired")
	if n := len(f.srv.Hosts()); n != 0 {
		t.Fatalf("an expired token created %d hosts", n)
	}
	// No token at all is a refused permission: the catch-all 404.
	wantError(t, f.call("GET", "/nginx/proxy-hosts", "", nil), 404, "Not Found - /nginx/proxy-hosts")
	// A user disabled after login loses its tokens the same way.
	fresh := f.srv.IssueToken(f.adminID, f.now.Add(time.Hour))
	f.srv.SetUserDisabled(f.adminID, true)
	wantError(t, f.call("GET", "/nginx/proxy-hosts", fresh, nil), 404, "Not Found - /nginx/proxy-hosts")
}

func TestHealth(t *testing.T) {
	f := newFixture(t, Options{})
	got := ok[map[string]any](f, http.StatusOK, "GET", "/", "", nil)
	v, _ := got["version"].(map[string]any)
	if got["status"] != "OK" || got["setup"] != true || v["major"] != 2.0 || v["minor"] != 15.0 {
		t.Errorf("GET /api = %v", got)
	}
}
