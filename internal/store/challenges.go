package store

import (
	"context"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const challengeColumns = "id, provider, zone_id, fqdn, content, provider_record_id, created_at"

func scanChallenge(sc interface{ Scan(...any) error }) (model.ACMEChallenge, error) {
	var c model.ACMEChallenge
	err := sc.Scan(&c.ID, &c.Provider, &c.ZoneID, &c.FQDN, &c.Content, &c.ProviderRecordID, &c.CreatedAt)
	return c, err
}

// AddChallenge tracks a challenge record about to be created. The same
// name and value again (a retried challenge) returns the row it has.
func (s *Store) AddChallenge(ctx context.Context, c model.ACMEChallenge) (model.ACMEChallenge, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	row := s.db.QueryRowContext(ctx, `INSERT INTO acme_challenges (provider, zone_id, fqdn, content, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (provider, zone_id, fqdn, content) DO UPDATE SET fqdn = excluded.fqdn
		RETURNING `+challengeColumns, c.Provider, c.ZoneID, c.FQDN, c.Content, c.CreatedAt.UTC())
	return scanChallenge(row)
}

// SetChallengeRecordID keeps the provider's id of a created record.
func (s *Store) SetChallengeRecordID(ctx context.Context, id int64, recordID string) error {
	return affected(s.db.ExecContext(ctx, "UPDATE acme_challenges SET provider_record_id = ? WHERE id = ?", recordID, id))
}

// DeleteChallenge forgets a record that was deleted.
func (s *Store) DeleteChallenge(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM acme_challenges WHERE id = ?", id) // gone already is fine
	return err
}

// Challenges lists the tracked challenge records, oldest first.
func (s *Store) Challenges(ctx context.Context) ([]model.ACMEChallenge, error) {
	return list(ctx, s.db, "SELECT "+challengeColumns+" FROM acme_challenges ORDER BY created_at, id", scanChallenge)
}
