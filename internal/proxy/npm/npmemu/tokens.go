package npmemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// token is an issued bearer token. NPM signs RS256 JWTs; the emulator
// hands out strings of the same three-part shape and remembers them, so a
// client that treats the token as opaque (as it must) cannot tell.
type token struct {
	userID  int
	scope   []string // ["user"], or ["2fa-challenge"] for a 2FA challenge
	expires time.Time
}

// challengeLifetime is how long a 2FA challenge token lasts
// (backend/internal/token.js: expiresIn "5m").
const challengeLifetime = 5 * time.Minute

// The messages of backend/internal/token.js.
const (
	msgInvalidAuth  = "Invalid email or password"
	i18nInvalidAuth = "error.invalid-auth"
	msgInvalid2FA   = "Invalid verification code"
	i18nInvalid2FA  = "error.invalid-2fa"
)

func (s *Server) issueLocked(userID int, scope []string, expires time.Time) string {
	now := s.now()
	claims, _ := json.Marshal(map[string]any{
		"iss": "api", "attrs": map[string]int{"id": userID}, "scope": scope,
		"jti": randomString(12), "iat": now.Unix(), "exp": expires.Unix(),
	})
	enc := base64.RawURLEncoding
	jwt := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString(claims) + "." + randomString(64)
	s.tokens[jwt] = &token{userID: userID, scope: slices.Clone(scope), expires: expires}
	return jwt
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// IssueToken returns a valid user token for a user added with AddUser, as
// a login would, for tests that skip the login; expires is when it stops
// working.
func (s *Server) IssueToken(userID int, expires time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(userID, []string{"user"}, expires)
}

// bearer finds the caller's token the way NPM's middleware does
// (backend/lib/express/jwt.js, then Token.load in backend/models/token.js):
// no "Bearer <token>" header is no token (nil, nil); a token that does
// not verify is a jsonwebtoken error, answered 500 "Internal Error"; an
// expired one is the AuthError "Token has expired".
func (s *Server) bearer(r *http.Request) (*token, error) {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if scheme != "Bearer" || secret == "" {
		return nil, nil
	}
	secret, _, _ = strings.Cut(secret, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if secret == "null" {
		return nil, errAuth("Empty token", "")
	}
	t := s.tokens[secret]
	if t == nil {
		return nil, errInternal(http.StatusInternalServerError)
	}
	if !s.now().Before(t.expires) {
		return nil, errAuth("Token has expired", "")
	}
	return t, nil
}

// caller resolves the token of a proxy-host request to its user, or
// errDenied when Access.init (backend/lib/access.js) would refuse it: no
// token, a user gone or disabled, or a token whose scope the user lacks.
func (s *Server) caller(t *token) (*user, error) {
	if t == nil || !slices.Equal(t.scope, []string{"user"}) {
		return nil, errDenied
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(t.userID)
	if u == nil || u.Disabled {
		return nil, errDenied
	}
	return u, nil
}

// tokenJSON is components/token-object.json.
type tokenJSON struct {
	Token   string `json:"token"`
	Expires string `json:"expires"`
}

func (s *Server) userTokenLocked(userID int, expires time.Time) tokenJSON {
	return tokenJSON{Token: s.issueLocked(userID, []string{"user"}, expires), Expires: isoTime(expires)}
}

// requestToken is POST /api/tokens (backend/schema/paths/tokens/post.json,
// internal/token.js getTokenFromEmail). An unknown or disabled email is
// refused without message_i18n, a wrong password with it; a user with 2FA
// gets {requires_2fa, challenge_token} (components/token-challenge.json).
// NPM ignores ?expiry here: only GET /api/tokens reads it.
func (s *Server) requestToken(r *http.Request) (int, any, error) {
	body, err := readBody(r, tokenRequestSchema)
	if err != nil {
		return 0, nil, err
	}
	identity, _ := body["identity"].(string)
	secret, _ := body["secret"].(string)

	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByEmail(identity)
	if u == nil {
		return 0, nil, errAuth(msgInvalidAuth, "")
	}
	if secret != u.Password {
		return 0, nil, errAuth(msgInvalidAuth, i18nInvalidAuth)
	}
	now := s.now()
	if u.TwoFactorCode != "" {
		challenge := s.issueLocked(u.id, []string{"2fa-challenge"}, now.Add(challengeLifetime))
		return http.StatusOK, map[string]any{"requires_2fa": true, "challenge_token": challenge}, nil
	}
	return http.StatusOK, s.userTokenLocked(u.id, now.Add(s.expiry)), nil
}

// loginWith2FA is POST /api/tokens/2fa (paths/tokens/2fa/post.json,
// internal/token.js verify2FA): the challenge and the code give a user
// token.
func (s *Server) loginWith2FA(r *http.Request) (int, any, error) {
	body, err := readBody(r, twoFactorRequestSchema)
	if err != nil {
		return 0, nil, err
	}
	challenge, _ := body["challenge_token"].(string)
	code, _ := body["code"].(string)

	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[challenge]
	if t == nil || !s.now().Before(t.expires) {
		return 0, nil, errAuth("Invalid or expired challenge token", "")
	}
	if !slices.Equal(t.scope, []string{"2fa-challenge"}) {
		return 0, nil, errAuth("Invalid challenge token", "")
	}
	u := s.userLocked(t.userID)
	if u == nil || u.TwoFactorCode == "" || code != u.TwoFactorCode {
		return 0, nil, errAuth(msgInvalid2FA, i18nInvalid2FA)
	}
	return http.StatusOK, s.userTokenLocked(u.id, s.now().Add(s.expiry)), nil
}

// refreshToken is GET /api/tokens (internal/token.js getFreshToken): a new
// token with the old one's scope, for ?expiry (NPM's period syntax, like
// "1d" or "10y") or the default lifetime. Without a token NPM trips over a
// ReferenceError (`error.AssertionFailedError`), so: 500 "Internal Error".
// The old token stays valid until it expires, as with NPM's JWTs.
func (s *Server) refreshToken(r *http.Request) (int, any, error) {
	t, err := s.bearer(r)
	if err != nil {
		return 0, nil, err
	}
	if t == nil {
		return 0, nil, errInternal(http.StatusInternalServerError)
	}
	until := func(t time.Time) time.Time { return t.Add(s.expiry) }
	if q := r.URL.Query(); q.Has("expiry") {
		var ok bool
		if until, ok = parsePeriod(q.Get("expiry")); !ok {
			return 0, nil, errAuth("Invalid expiry time: "+q.Get("expiry"), "")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expires := until(s.now())
	return http.StatusOK, tokenJSON{Token: s.issueLocked(t.userID, t.scope, expires), Expires: isoTime(expires)}, nil
}

var periodRE = regexp.MustCompile(`^([0-9]+)(y|Q|M|w|d|h|m|s|ms)$`)

// parsePeriod reads NPM's expiry expressions (backend/lib/helpers.js
// parseDatePeriod, moment().add(n, unit)): years, quarters, months, weeks
// and days are calendar steps, the rest fixed durations.
func parsePeriod(v string) (func(time.Time) time.Time, bool) {
	m := periodRE.FindStringSubmatch(v)
	if m == nil {
		return nil, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return nil, false
	}
	calendar := map[string][3]int{"y": {n, 0, 0}, "Q": {0, 3 * n, 0}, "M": {0, n, 0}, "w": {0, 0, 7 * n}, "d": {0, 0, n}}
	if ymd, ok := calendar[m[2]]; ok {
		return func(t time.Time) time.Time { return t.AddDate(ymd[0], ymd[1], ymd[2]) }, true
	}
	unit := map[string]time.Duration{"h": time.Hour, "m": time.Minute, "s": time.Second, "ms": time.Millisecond}[m[2]]
	return func(t time.Time) time.Time { return t.Add(time.Duration(n) * unit) }, true
}
