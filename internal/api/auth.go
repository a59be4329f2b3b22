package api

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
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
		return s.auth.TokenUser(r.Context(), strings.TrimSpace(token))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
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

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.Username) == "":
		return errorf(http.StatusBadRequest, "username", "username is required")
	case in.Password == "":
		return errorf(http.StatusBadRequest, "password", "password is required")
	}
	userKey := strings.ToLower(strings.TrimSpace(in.Username))
	ipKey := clientIP(r)
	if wait := max(s.userLimit.Wait(userKey), s.ipLimit.Wait(ipKey)); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return errorf(http.StatusTooManyRequests, "", "too many failed logins; try again in %s", time.Duration(secs)*time.Second)
	}
	u, token, err := s.auth.Login(r.Context(), in.Username, in.Password)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		s.userLimit.Fail(userKey)
		s.ipLimit.Fail(ipKey)
		s.log.WarnContext(r.Context(), "failed login", slog.String("username", userKey), slog.String("ip", ipKey))
		return errorf(http.StatusUnauthorized, "", "invalid username or password")
	}
	if err != nil {
		return err
	}
	s.userLimit.Reset(userKey)
	s.ipLimit.Reset(ipKey)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge:   int(s.auth.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	s.log.InfoContext(r.Context(), "login", slog.String("username", u.Username), slog.String("ip", ipKey))
	return writeJSON(w, http.StatusOK, userResponse{User: u})
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
