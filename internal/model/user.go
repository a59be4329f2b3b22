package model

import "time"

// User is someone who may log in.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"-"`
	// SessionEpoch goes up when the password changes or every session is
	// ended; only sessions of the current epoch are valid.
	SessionEpoch int64 `json:"-"`
}

// APIToken is a script's credential; the token itself is kept only hashed.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it
	Scope      string     `json:"scope"`  // TokenScopeFull or TokenScopeRead
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"` // nil: never
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Token scopes: a full token may do what its user may; a read token only
// reads (GET and HEAD).
const (
	TokenScopeFull = "full"
	TokenScopeRead = "read"
)

// ExpiredAt tells whether the token has expired at now.
func (t APIToken) ExpiredAt(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}
