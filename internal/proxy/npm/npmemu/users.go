package npmemu

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"time"
)

// UserOptions describes a user added with AddUser. The permission fields
// follow NPM's user_permission row (backend/internal/user.js create: an
// admin gets visibility "all", anyone else "user"; proxy_hosts "manage").
type UserOptions struct {
	Email    string
	Password string
	Name     string // "Emulated User" when empty; also the nickname
	Admin    bool   // roles ["admin"] instead of []
	// TwoFactorCode turns 2FA on: POST /api/tokens then answers a
	// challenge, and POST /api/tokens/2fa accepts this code (NPM checks a
	// TOTP; the emulator accepts one fixed code, 6 to 8 characters).
	TwoFactorCode string
	// Visibility is "all" (every user's hosts) or "user" (only one's own);
	// empty takes NPM's default for the role.
	Visibility string
	// ProxyHosts is the proxy-host permission: "manage" (the default),
	// "view" or "hidden".
	ProxyHosts string
	// Disabled users cannot log in, and their tokens stop working.
	Disabled bool
}

type user struct {
	id        int
	createdOn time.Time
	UserOptions
}

// AddUser registers a user and returns its id. Emails are matched as NPM
// does, lower-cased and trimmed.
func (s *Server) AddUser(o UserOptions) int {
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
	if o.Name == "" {
		o.Name = "Emulated User"
	}
	if o.Visibility == "" {
		o.Visibility = "user"
		if o.Admin {
			o.Visibility = "all"
		}
	}
	if o.ProxyHosts == "" {
		o.ProxyHosts = "manage"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &user{id: len(s.users) + 1, createdOn: s.now(), UserOptions: o}
	s.users = append(s.users, u)
	return u.id
}

// SetUserDisabled disables or re-enables a user, as an admin would in
// NPM's UI; existing tokens of a disabled user stop working.
func (s *Server) SetUserDisabled(id int, disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userLocked(id); u != nil {
		u.Disabled = disabled
	}
}

func (s *Server) userLocked(id int) *user {
	if id < 1 || id > len(s.users) {
		return nil
	}
	return s.users[id-1]
}

func (s *Server) userByEmail(email string) *user {
	email = strings.ToLower(strings.TrimSpace(email))
	for _, u := range s.users {
		if u.Email == email && !u.Disabled {
			return u
		}
	}
	return nil
}

// can reports whether the user may do op ("view" or "manage") on proxy
// hosts (backend/lib/access/proxy_hosts-*.json: admins always; users with
// the view or manage permission to list and get, manage to change).
func (u *user) can(op string) bool {
	switch {
	case u == nil || u.Disabled:
		return false
	case u.Admin:
		return true
	case op == "view":
		return u.ProxyHosts == "view" || u.ProxyHosts == "manage"
	default:
		return u.ProxyHosts == "manage"
	}
}

// ownerJSON is NPM's user object, as expanded into a host's "owner".
type ownerJSON struct {
	ID         int      `json:"id"`
	CreatedOn  string   `json:"created_on"`
	ModifiedOn string   `json:"modified_on"`
	IsDisabled bool     `json:"is_disabled"`
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	Nickname   string   `json:"nickname"`
	Avatar     string   `json:"avatar"`
	Roles      []string `json:"roles"`
}

func (u *user) json() ownerJSON {
	roles := []string{}
	if u.Admin {
		roles = append(roles, "admin")
	}
	sum := md5.Sum([]byte(u.Email))
	return ownerJSON{
		ID: u.id, CreatedOn: isoTime(u.createdOn), ModifiedOn: isoTime(u.createdOn),
		IsDisabled: u.Disabled, Email: u.Email, Name: u.Name, Nickname: u.Name,
		Avatar: "//www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?default=mm",
		Roles:  roles,
	}
}
