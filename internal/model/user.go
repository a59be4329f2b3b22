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
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}
