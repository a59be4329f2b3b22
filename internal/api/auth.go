package api

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/auth"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const sessionCookie = "dw_session"

// caller is who sent a request, and how.
type caller struct {
	user    model.User
	session bool            // a browser session
	token   *model.APIToken // or the API token it used
}

// mayWrite tells whether the caller may send requests that change things.
func (c caller) mayWrite() bool { return c.token == nil || c.token.Scope == model.TokenScopeFull }

// authenticate finds the caller from a Bearer token or the session cookie.
// A bad Authorization header fails even when a cookie is valid: a script
// must learn that its token is wrong.
func (s *Server) authenticate(r *http.Request) (caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return caller{}, errorf(http.StatusUnauthorized, "", "Authorization header must be \"Bearer <token>\"")
		}
		token = strings.TrimSpace(token)
		if len(token) > maxSecret {
			return caller{}, auth.ErrUnauthenticated
		}
		u, t, err := s.auth.TokenUser(r.Context(), token)
		return caller{user: u, token: &t}, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxSecret {
		return caller{}, auth.ErrUnauthenticated
	}
	u, err := s.auth.SessionUser(r.Context(), c.Value)
	return caller{user: u, session: true}, err
}

// setSessionCookie gives the browser a session; an empty token clears it.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	maxAge := int(s.auth.SessionTTL.Seconds())
	if token == "" {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.viaTLS(r),
	})
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type userResponse struct {
	User model.User `json:"user"`
}

// Credentials are bounded before anything else reads them: a login body
// is small, and a user name or password longer than any real one is refused
// before it reaches the limiter, bcrypt or the log.
const (
	maxCredentialBody = 4 << 10
	maxUsername       = 64
	maxPassword       = 72 // bcrypt's limit
	maxLoggedName     = 32
	maxSecret         = 256 // tokens and cookie values are far shorter
)

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decodeLimit(w, r, &in, maxCredentialBody); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.Username) == "":
		return errorf(http.StatusBadRequest, "username", "username is required")
	case len(in.Username) > maxUsername:
		return errorf(http.StatusBadRequest, "username", "username must be at most %d bytes", maxUsername)
	case in.Password == "":
		return errorf(http.StatusBadRequest, "password", "password is required")
	case len(in.Password) > maxPassword:
		return errorf(http.StatusBadRequest, "password", "password must be at most %d bytes", maxPassword)
	}
	a, err := s.reserveAttempt(w, r, in.Username)
	if err != nil {
		return err
	}
	u, token, err := s.auth.Login(r.Context(), in.Username, in.Password)
	if err := s.settleAttempt(r, a, err, "failed login",
		errorf(http.StatusUnauthorized, "", "invalid username or password")); err != nil {
		return err
	}
	s.setSessionCookie(w, r, token)
	s.log.InfoContext(r.Context(), "login", slog.String("username", u.Username), slog.String("ip", a.ip))
	return writeJSON(w, http.StatusOK, userResponse{User: u})
}

// attempt is a password check counted against a user name and an address.
type attempt struct{ userKey, ip string }

// reserveAttempt counts a password check against the user name and the
// client address before it is made, or answers 429 when either is locked.
func (s *Server) reserveAttempt(w http.ResponseWriter, r *http.Request, username string) (attempt, error) {
	a := attempt{userKey: strings.ToLower(strings.TrimSpace(username)), ip: s.clientIP(r)}
	wait := s.limits.Reserve(auth.Key{Name: userLimitKey(a.userKey), Max: maxUserAttempts},
		auth.Key{Name: ipLimitKey(a.ip), Max: maxAddressAttempts})
	if wait <= 0 {
		return a, nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return a, errorf(http.StatusTooManyRequests, "", "too many failed logins; try again in %s", time.Duration(secs)*time.Second)
}

// settleAttempt ends a counted password check with its outcome err: a wrong
// password is logged (as failure) and answered with refusal; a right one
// resets the counts.
func (s *Server) settleAttempt(r *http.Request, a attempt, err error, failure string, refusal error) error {
	if errors.Is(err, auth.ErrInvalidCredentials) {
		s.log.WarnContext(r.Context(), failure, slog.String("username", logName(a.userKey)), slog.String("ip", a.ip))
		return refusal
	}
	if err != nil {
		return err
	}
	s.limits.Reset(userLimitKey(a.userKey), ipLimitKey(a.ip))
	return nil
}

// Failed attempts allowed per user name and per client address within the
// limiter's window (docs/api.md).
const (
	maxUserAttempts    = 5
	maxAddressAttempts = 20
)

func userLimitKey(name string) string { return "user:" + name }

// ipLimitKey groups IPv6 clients by /64, the block one host usually has:
// counting single addresses would give it 2^64 tries.
func ipLimitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return "ip:" + ip
	}
	p, _ := a.Prefix(64)
	return "ip:" + p.String()
}

// logName is how a user name that failed to log in is logged: a short,
// quoted prefix, so that no input can grow the log or forge a line.
func logName(name string) string {
	if len(name) > maxLoggedName {
		return strconv.Quote(name[:maxLoggedName]) + "…"
	}
	return strconv.Quote(name)
}

// clientIP is the address of the client. X-Forwarded-For is believed only
// from a trusted proxy (anyone else could send it to dodge the login limit),
// and only its entries added by trusted proxies: the client is the
// right-most address that is not a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r)
	if !s.trustedPeer(r) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			break // malformed: stop believing the header here
		}
		if !s.trustedProxy(hop) {
			return a.Unmap().String()
		}
	}
	return peer
}

// viaTLS tells whether the client's connection is encrypted: ours is, or a
// trusted proxy says the client's was (X-Forwarded-Proto: https).
func (s *Server) viaTLS(r *http.Request) bool {
	return r.TLS != nil ||
		s.trustedPeer(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// ProxyHeader carries the secret with which the built-in proxy marks the
// requests it routes to the UI (settings.ui_domain).
const ProxyHeader = "X-Docker-Watcher-Proxy"

// trustedPeer tells whether the connection's other end is a proxy whose
// X-Forwarded-* are believed: one of DW_TRUSTED_PROXIES, or our own
// built-in proxy on this machine, proven by its secret.
func (s *Server) trustedPeer(r *http.Request) bool {
	peer := peerAddr(r)
	if s.trustedProxy(peer) {
		return true
	}
	got := r.Header.Get(ProxyHeader)
	a, err := netip.ParseAddr(peer)
	return s.proxySecret != "" && got != "" && err == nil && a.Unmap().IsLoopback() &&
		subtle.ConstantTimeCompare([]byte(got), []byte(s.proxySecret)) == 1
}

func (s *Server) trustedProxy(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(w, r, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets the caller's password. It ends every session of the
// user but gives the caller's browser a new one; API tokens stay valid.
// Guessing the current password here counts like a failed login.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := decodeLimit(w, r, &in, maxCredentialBody); err != nil {
		return err
	}
	switch {
	case in.CurrentPassword == "":
		return errorf(http.StatusBadRequest, "current_password", "current_password is required")
	case len(in.CurrentPassword) > maxPassword:
		return errorf(http.StatusBadRequest, "current_password", "current_password must be at most %d bytes", maxPassword)
	}
	if err := auth.CheckPasswordRules(in.NewPassword); err != nil {
		return errorf(http.StatusBadRequest, "new_password", "new %s", err)
	}
	c := callerOf(r)
	a, err := s.reserveAttempt(w, r, c.user.Username)
	if err != nil {
		return err
	}
	token, err := s.auth.ChangePassword(r.Context(), c.user.Username, in.CurrentPassword, in.NewPassword, c.session)
	if err := s.settleAttempt(r, a, err, "wrong current password",
		errorf(http.StatusBadRequest, "current_password", "the current password is wrong")); err != nil {
		return err
	}
	if token != "" {
		s.setSessionCookie(w, r, token)
	}
	s.log.InfoContext(r.Context(), "password changed; all sessions ended", slog.String("username", c.user.Username), slog.String("ip", a.ip))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endSessions signs the user out everywhere, this browser included.
func (s *Server) endSessions(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	if err := s.auth.EndSessions(r.Context(), u.ID); err != nil {
		return err
	}
	s.setSessionCookie(w, r, "")
	s.log.InfoContext(r.Context(), "all sessions ended", slog.String("username", u.Username), slog.String("ip", s.clientIP(r)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, userResponse{User: user(r)})
}

type tokenRequest struct {
	Name          string `json:"name"`
	Scope         string `json:"scope"`           // "full" when empty
	ExpiresInDays *int   `json:"expires_in_days"` // nil: never
}

// maxTokenDays bounds a token's lifetime: ten years.
const maxTokenDays = 3650

type createdToken struct {
	model.APIToken
	Token string `json:"token"` // shown this once
}

// createToken makes a token for the caller. Only a session or a full-scope
// token may (a read token is refused earlier, by wrap), and a token made
// with an expiring token expires no later than it.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if !c.mayWrite() {
		return errorf(http.StatusForbidden, "", "only a session or a full-scope token may create tokens")
	}
	var in tokenRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t := model.APIToken{UserID: c.user.ID, Name: strings.TrimSpace(in.Name), Scope: in.Scope}
	if t.Name == "" || len(t.Name) > 100 {
		return errorf(http.StatusBadRequest, "name", "name is required (at most 100 characters)")
	}
	switch t.Scope {
	case "":
		t.Scope = model.TokenScopeFull
	case model.TokenScopeFull, model.TokenScopeRead:
	default:
		return errorf(http.StatusBadRequest, "scope", "scope must be %q or %q", model.TokenScopeFull, model.TokenScopeRead)
	}
	if d := in.ExpiresInDays; d != nil {
		if *d < 1 || *d > maxTokenDays {
			return errorf(http.StatusBadRequest, "expires_in_days", "expires_in_days must be 1 to %d, or null for never", maxTokenDays)
		}
		at := time.Now().UTC().AddDate(0, 0, *d).Truncate(time.Second)
		t.ExpiresAt = &at
	}
	if c.token != nil && c.token.ExpiresAt != nil && (t.ExpiresAt == nil || t.ExpiresAt.After(*c.token.ExpiresAt)) {
		return errorf(http.StatusBadRequest, "expires_in_days", "a token made with an expiring token must expire no later than it (%s)",
			c.token.ExpiresAt.Format(time.RFC3339))
	}
	t, token, err := s.auth.CreateToken(r.Context(), t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, createdToken{APIToken: t, Token: token})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.APITokens(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ts)
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteAPIToken(r.Context(), user(r).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
