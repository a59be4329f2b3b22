package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// CountUsers tells whether the first-start admin must be created.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, err
}

// CreateUser stores a user with an already hashed password.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	now := s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO users (username, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?) RETURNING id`, u.Username, u.PasswordHash, now, now).Scan(&u.ID)
	if err != nil {
		return mapErr(err)
	}
	u.CreatedAt = now
	return nil
}

// SetPasswordHash replaces a user's password hash and ends all the user's
// sessions: none opened with the old password may outlive it.
func (s *Store) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := affected(tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
			hash, s.now(), userID)); err != nil {
			return err
		}
		return endSessions(ctx, tx, userID)
	})
}

// EndSessions ends every session of a user ("sign out everywhere").
func (s *Store) EndSessions(ctx context.Context, userID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return endSessions(ctx, tx, userID) })
}

// endSessions moves the user to a new session epoch, which refuses every
// session of the old one, and deletes those sessions.
func endSessions(ctx context.Context, tx *sql.Tx, userID int64) error {
	if err := affected(tx.ExecContext(ctx, "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", userID)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

// UserByName finds a user by name, ignoring case.
func (s *Store) UserByName(ctx context.Context, name string) (model.User, error) {
	var u model.User
	err := s.db.QueryRowContext(ctx, "SELECT id, username, password_hash, created_at, session_epoch FROM users WHERE username = ?", name).
		Scan(&u.ID, &u.Username, &u.PasswordHash, &u.CreatedAt, &u.SessionEpoch)
	return u, mapErr(err)
}

// CreateSession stores a session of the user's session epoch (as read with
// the password hash that was checked, so a password change in between
// leaves it void) by the hash of its cookie value, and drops expired
// sessions on the way so the table does not grow.
func (s *Store) CreateSession(ctx context.Context, u model.User, tokenHash []byte, expires time.Time) error {
	now := s.now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO sessions (token_hash, user_id, epoch, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			tokenHash, u.ID, u.SessionEpoch, now, expires.UTC())
		return mapErr(err)
	})
}

// SessionUser returns the user of an unexpired session of the user's
// current epoch.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte) (model.User, error) {
	var u model.User
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.username, u.created_at, u.session_epoch FROM sessions s
		JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND s.epoch = u.session_epoch`,
		tokenHash, s.now()).
		Scan(&u.ID, &u.Username, &u.CreatedAt, &u.SessionEpoch)
	return u, mapErr(err)
}

// DeleteSession ends a session; an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return err
}

// CreateAPIToken stores a token by its hash and sets its id and time.
func (s *Store) CreateAPIToken(ctx context.Context, t *model.APIToken, tokenHash []byte) error {
	now := s.now()
	var expires any
	if t.ExpiresAt != nil {
		expires = t.ExpiresAt.UTC()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, scope, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.Prefix, t.Scope, tokenHash, now, expires).Scan(&t.ID)
	if err != nil {
		return mapErr(err)
	}
	t.CreatedAt = now
	return nil
}

const tokenColumns = "t.id, t.user_id, t.name, t.prefix, t.scope, t.created_at, t.expires_at, t.last_used_at"

// APITokens lists a user's tokens, newest first, expired ones included.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]model.APIToken, error) {
	return list(ctx, s.db, `SELECT `+tokenColumns+` FROM api_tokens t
		WHERE t.user_id = ? ORDER BY t.id DESC`, scanToken, userID)
}

func scanToken(sc interface{ Scan(...any) error }) (model.APIToken, error) {
	var t model.APIToken
	err := sc.Scan(tokenFields(&t)...)
	return t, err
}

// tokenFields are the scan targets of tokenColumns.
func tokenFields(t *model.APIToken) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Scope, &t.CreatedAt, nullTime{&t.ExpiresAt}, nullTime{&t.LastUsedAt}}
}

// nullTime scans a nullable time into a *time.Time (nil for NULL).
type nullTime struct{ p **time.Time }

func (n nullTime) Scan(v any) error {
	var t sql.NullTime
	if err := t.Scan(v); err != nil {
		return err
	}
	*n.p = nil
	if t.Valid {
		*n.p = &t.Time
	}
	return nil
}

// DeleteAPIToken revokes one of a user's tokens.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	return affected(s.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, userID))
}

// TokenUser returns an unexpired token and its owner, and notes the token's
// use, at most once a minute so that reads do not turn into a write each.
func (s *Store) TokenUser(ctx context.Context, tokenHash []byte) (model.User, model.APIToken, error) {
	var u model.User
	var t model.APIToken
	now := s.now()
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.username, u.created_at, `+tokenColumns+` FROM api_tokens t
		JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)`, tokenHash, now).
		Scan(append([]any{&u.ID, &u.Username, &u.CreatedAt}, tokenFields(&t)...)...)
	if err != nil {
		return u, t, mapErr(err)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.ID); err != nil &&
			!errors.Is(err, context.Canceled) {
			return u, t, err
		}
		t.LastUsedAt = &now
	}
	return u, t, nil
}
