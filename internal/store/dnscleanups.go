package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// DNSCleanups lists the earlier DNS configurations whose records are still
// to be removed, with their credentials.
func (s *Store) DNSCleanups(ctx context.Context) ([]model.DNSCleanup, error) {
	return list(ctx, s.db, `SELECT provider, zone_id, zone_name, credentials, last_error, created_at, updated_at
		FROM dns_cleanups ORDER BY created_at, provider, zone_id`, func(sc interface{ Scan(...any) error }) (model.DNSCleanup, error) {
		var c model.DNSCleanup
		var creds string
		if err := sc.Scan(&c.Provider, &c.ZoneID, &c.ZoneName, &creds, &c.LastError, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return c, err
		}
		if err := json.Unmarshal([]byte(creds), &c.Credentials); err != nil {
			return c, fmt.Errorf("credentials of the cleanup of %s zone %s: %w", c.Provider, c.ZoneID, err)
		}
		return c, nil
	})
}

// putDNSCleanup keeps (or replaces) the cleanup of a zone.
func putDNSCleanup(ctx context.Context, tx *sql.Tx, c model.DNSCleanup, now any) error {
	creds, err := json.Marshal(c.Credentials)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO dns_cleanups (provider, zone_id, zone_name, credentials, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, '', ?, ?)
		ON CONFLICT (provider, zone_id) DO UPDATE SET zone_name = excluded.zone_name, credentials = excluded.credentials,
		updated_at = excluded.updated_at`, c.Provider, c.ZoneID, c.ZoneName, string(creds), now, now)
	return err
}

// SetDNSCleanupError notes why the last removal of a zone's records failed
// ("" when it did not).
func (s *Store) SetDNSCleanupError(ctx context.Context, t model.DNSTarget, msg string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE dns_cleanups SET last_error = ?, updated_at = ? WHERE provider = ? AND zone_id = ?",
		msg, s.now(), t.Provider, t.ZoneID)
	return err
}

// DeleteDNSCleanupIfDone forgets the cleanup of a zone, with its
// credentials, once no row of that zone is left. It reports whether it did.
func (s *Store) DeleteDNSCleanupIfDone(ctx context.Context, t model.DNSTarget) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM dns_cleanups WHERE provider = ? AND zone_id = ?
		AND NOT EXISTS (SELECT 1 FROM dns_records WHERE provider = ? AND zone_id = ?)`, t.Provider, t.ZoneID, t.Provider, t.ZoneID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
