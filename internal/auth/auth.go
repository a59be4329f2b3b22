package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// AdminUser is the user created at first start.
const AdminUser = "admin"

// TokenPrefix starts every API token, so a leaked one is easy to recognise.
const TokenPrefix = "dw_"

var (
	// ErrInvalidCredentials: unknown user or wrong password; deliberately
	// the same error for both.
	ErrInvalidCredentials = errors.New("invalid username or password")
	// ErrUnauthenticated: no, unknown or expired session or token.
	ErrUnauthenticated = errors.New("authentication required")
)

// Service authenticates users against the store.
type Service struct {
	Store      *store.Store
	Cost       int           // bcrypt cost; bcrypt.DefaultCost when 0
	SessionTTL time.Duration // 30 days when 0

	dummyHash []byte // compared against for unknown users, to keep timing flat
}

// NewService returns a Service with the given bcrypt cost (0: default).
func NewService(s *store.Store, cost int) *Service {
	if cost == 0 {
		cost = bcrypt.DefaultCost + 2
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("docker-watcher-dummy"), cost)
	return &Service{Store: s, Cost: cost, SessionTTL: 30 * 24 * time.Hour, dummyHash: dummy}
}

// CheckPasswordRules reports a password that cannot be used.
func CheckPasswordRules(pw string) error {
	switch {
	case len(pw) < 8:
		return errors.New("password must be at least 8 characters")
	case len(pw) > 72:
		return errors.New("password must be at most 72 bytes") // bcrypt's limit
	}
	return nil
}

// HashPassword hashes pw with bcrypt.
func (s *Service) HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.Cost)
	return string(h), err
}

// EnsureAdmin creates the admin user at first start. With a password given
// (DW_ADMIN_PASSWORD), the admin's password is set to it at every start (a
// change ends the admin's sessions, as every password change does);
// without one, a random password is generated at first start and returned
// so the caller can print it once. It returns "" when nothing was generated.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	if password != "" {
		if err := CheckPasswordRules(password); err != nil {
			return "", fmt.Errorf("DW_ADMIN_PASSWORD: %w", err)
		}
	}
	u, err := s.Store.UserByName(ctx, AdminUser)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if password == "" {
			password = randomString(18)
			generated = password
		}
		hash, err := s.HashPassword(password)
		if err != nil {
			return "", err
		}
		if err := s.Store.CreateUser(ctx, &model.User{Username: AdminUser, PasswordHash: hash}); err != nil {
			return "", fmt.Errorf("create admin user: %w", err)
		}
		return generated, nil
	case err != nil:
		return "", err
	case password != "" && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil:
		hash, err := s.HashPassword(password)
		if err != nil {
			return "", err
		}
		return "", s.Store.SetPasswordHash(ctx, u.ID, hash)
	}
	return "", nil
}

// Login checks a user's password and opens a session. It returns the
// session's cookie value.
func (s *Service) Login(ctx context.Context, username, password string) (model.User, string, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return u, "", err
	}
	token, err := s.openSession(ctx, u)
	return u, token, err
}

// checkPassword returns the user whose name and password these are, or
// ErrInvalidCredentials.
func (s *Service) checkPassword(ctx context.Context, username, password string) (model.User, error) {
	u, err := s.Store.UserByName(ctx, strings.TrimSpace(username))
	if errors.Is(err, store.ErrNotFound) {
		bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return u, ErrInvalidCredentials
	}
	if err != nil {
		return u, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return u, ErrInvalidCredentials
	}
	return u, nil
}

// openSession stores a new session of u's session epoch and returns its
// cookie value.
func (s *Service) openSession(ctx context.Context, u model.User) (string, error) {
	token := randomString(32)
	if err := s.Store.CreateSession(ctx, u, Hash(token), time.Now().Add(s.SessionTTL)); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// ChangePassword sets a user's new password after checking the current one
// (ErrInvalidCredentials when wrong), which ends all the user's sessions.
// With renew, it opens a new session for the caller and returns its cookie
// value. API tokens stay valid.
func (s *Service) ChangePassword(ctx context.Context, username, current, next string, renew bool) (string, error) {
	u, err := s.checkPassword(ctx, username, current)
	if err != nil {
		return "", err
	}
	hash, err := s.HashPassword(next)
	if err != nil {
		return "", err
	}
	if err := s.Store.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return "", err
	}
	if !renew {
		return "", nil
	}
	if u, err = s.Store.UserByName(ctx, u.Username); err != nil { // the new session epoch
		return "", err
	}
	return s.openSession(ctx, u)
}

// EndSessions ends every session of a user, on every device.
func (s *Service) EndSessions(ctx context.Context, userID int64) error {
	return s.Store.EndSessions(ctx, userID)
}

// Logout ends the session of a cookie value.
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	return s.Store.DeleteSession(ctx, Hash(sessionToken))
}

// SessionUser returns the user of a session cookie value.
func (s *Service) SessionUser(ctx context.Context, sessionToken string) (model.User, error) {
	u, err := s.Store.SessionUser(ctx, Hash(sessionToken))
	if errors.Is(err, store.ErrNotFound) {
		return u, ErrUnauthenticated
	}
	return u, err
}

// TokenUser returns an unexpired API token and its owner.
func (s *Service) TokenUser(ctx context.Context, token string) (model.User, model.APIToken, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return model.User{}, model.APIToken{}, ErrUnauthenticated
	}
	u, t, err := s.Store.TokenUser(ctx, Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return u, t, ErrUnauthenticated
	}
	return u, t, err
}

// CreateToken makes a new API token from t (user, name, scope, expiry);
// the token is returned this once and kept only hashed.
func (s *Service) CreateToken(ctx context.Context, t model.APIToken) (model.APIToken, string, error) {
	token := TokenPrefix + randomString(32)
	t.Prefix = token[:len(TokenPrefix)+6]
	if err := s.Store.CreateAPIToken(ctx, &t, Hash(token)); err != nil {
		return t, "", err
	}
	return t, token, nil
}

// Hash is how cookie values and tokens are stored: they are long random
// strings, so a fast hash is enough to make a stolen database useless.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// randomString returns n random bytes, URL-safe base64 encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
