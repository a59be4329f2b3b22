package api

import (
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

// authenticate finds the caller from a Bearer token or the session cookie.
// A bad Authorization header fails even when a cookie is valid: a script
// must learn that its token is wrong.
func (s *Server) authenticate(r *http.Request) (model.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return model.User{}, errorf(http.StatusUnauthorized, "", "Authorization header must be \"Bearer <token>\"")
		}
		token = strings.TrimSpace(token)
		if len(token) > maxSecret {
			return model.User{}, auth.ErrUnauthenticated
		}
		return s.auth.TokenUser(r.Context(), token)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxSecret {
		return model.User{}, auth.ErrUnauthenticated
	}
	return s.auth.SessionUser(r.Context(), c.Value)
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
	userKey := strings.ToLower(strings.TrimSpace(in.Username))
	ip := clientIP(r)
	if err := s.reserveAttempt(w, userKey, ip); err != nil {
		return err
	}
	u, token, err := s.auth.Login(r.Context(), in.Username, in.Password)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		s.log.WarnContext(r.Context(), "failed login", slog.String("username", logName(userKey)), slog.String("ip", ip))
		return errorf(http.StatusUnauthorized, "", "invalid username or password")
	}
	if err != nil {
		return err
	}
	s.limits.Reset(userLimitKey(userKey), ipLimitKey(ip))
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge:   int(s.auth.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	s.log.InfoContext(r.Context(), "login", slog.String("username", u.Username), slog.String("ip", ip))
	return writeJSON(w, http.StatusOK, userResponse{User: u})
}

// reserveAttempt counts a password check against the user name and the
// client address before it is made, or answers 429 when either is locked.
func (s *Server) reserveAttempt(w http.ResponseWriter, userKey, ip string) error {
	wait := s.limits.Reserve(auth.Key{Name: userLimitKey(userKey), Max: maxUserAttempts},
		auth.Key{Name: ipLimitKey(ip), Max: maxAddressAttempts})
	if wait <= 0 {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return errorf(http.StatusTooManyRequests, "", "too many failed logins; try again in %s", time.Duration(secs)*time.Second)
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

// clientIP is the peer address. Headers such as X-Forwarded-For are not
// trusted: anyone could send them to dodge the login limit.
func clientIP(r *http.Request) string {
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
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, userResponse{User: user(r)})
}

type tokenRequest struct {
	Name string `json:"name"`
}

type createdToken struct {
	model.APIToken
	Token string `json:"token"` // shown this once
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return errorf(http.StatusBadRequest, "name", "name is required (at most 100 characters)")
	}
	t, token, err := s.auth.CreateToken(r.Context(), user(r).ID, name)
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
