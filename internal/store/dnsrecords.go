package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const dnsRecordColumns = `id, provider, zone_id, fqdn, type, content, provider_record_id, consumer_kind,
	consumer_id, state, last_error, last_synced_at, pending_since, created_at, updated_at`

func scanDNSRecord(sc interface{ Scan(...any) error }) (model.DNSRecord, error) {
	var r model.DNSRecord
	var synced, pending sql.NullTime
	err := sc.Scan(&r.ID, &r.Provider, &r.ZoneID, &r.FQDN, &r.Type, &r.Content, &r.ProviderRecordID,
		&r.ConsumerKind, &r.ConsumerID, &r.State, &r.LastError, &synced, &pending, &r.CreatedAt, &r.UpdatedAt)
	if synced.Valid {
		r.LastSyncedAt = &synced.Time
	}
	if pending.Valid {
		r.PendingSince = &pending.Time
	}
	return r, err
}

// DNSRecords lists every owned record, of every provider and zone.
func (s *Store) DNSRecords(ctx context.Context) ([]model.DNSRecord, error) {
	return list(ctx, s.db, "SELECT "+dnsRecordColumns+" FROM dns_records ORDER BY fqdn, type", scanDNSRecord)
}

// PutDNSRecord inserts or replaces the row of (provider, zone, fqdn, type).
func (s *Store) PutDNSRecord(ctx context.Context, r model.DNSRecord) error {
	return s.PutDNSRecords(ctx, []model.DNSRecord{r}, nil)
}

// SaveSyncReport keeps the report (JSON) of the last sync, and what it
// saw at the provider (JSON).
func (s *Store) SaveSyncReport(ctx context.Context, startedAt time.Time, report, observed []byte) error {
	if observed == nil {
		observed = []byte("[]")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO dns_sync_reports (id, started_at, report, observed) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, report = excluded.report, observed = excluded.observed`,
		startedAt.UTC(), string(report), string(observed))
	return err
}

// LastSyncReport returns the JSON of the last sync's report and of what it
// saw, or nils.
func (s *Store) LastSyncReport(ctx context.Context) (report, observed []byte, err error) {
	var rep, obs string
	err = s.db.QueryRowContext(ctx, "SELECT report, observed FROM dns_sync_reports WHERE id = 1").Scan(&rep, &obs)
	if err == sql.ErrNoRows {
		return nil, nil, nil
	}
	return []byte(rep), []byte(obs), err
}

// PutDNSRecords writes many rows (see PutDNSRecord) and deletes others by
// key, in one transaction.
func (s *Store) PutDNSRecords(ctx context.Context, put []model.DNSRecord, del []model.DNSRecord) error {
	if len(put) == 0 && len(del) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		for _, r := range put {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dns_records (provider, zone_id, fqdn, type, content,
				provider_record_id, consumer_kind, consumer_id, state, last_error, last_synced_at, pending_since,
				created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (provider, zone_id, fqdn, type) DO UPDATE SET content = excluded.content,
				provider_record_id = excluded.provider_record_id, consumer_kind = excluded.consumer_kind,
				consumer_id = excluded.consumer_id, state = excluded.state, last_error = excluded.last_error,
				last_synced_at = coalesce(excluded.last_synced_at, dns_records.last_synced_at),
				pending_since = excluded.pending_since, updated_at = excluded.updated_at`,
				r.Provider, r.ZoneID, r.FQDN, r.Type, r.Content, r.ProviderRecordID, r.ConsumerKind, r.ConsumerID,
				r.State, r.LastError, utcOrNil(r.LastSyncedAt), utcOrNil(r.PendingSince), now, now); err != nil {
				return mapErr(err)
			}
		}
		for _, r := range del {
			if _, err := tx.ExecContext(ctx, "DELETE FROM dns_records WHERE provider = ? AND zone_id = ? AND fqdn = ? AND type = ?",
				r.Provider, r.ZoneID, r.FQDN, r.Type); err != nil {
				return err
			}
		}
		return nil
	})
}

// TouchDNSRecords sets last_synced_at of the rows with these ids: the sync
// found their records as they should be. One statement per 500 rows.
func (s *Store) TouchDNSRecords(ctx context.Context, ids []int64, at time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, 0, n+1)
		args = append(args, at.UTC())
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		q := "UPDATE dns_records SET last_synced_at = ? WHERE id IN (?" + strings.Repeat(", ?", n-1) + ")"
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
