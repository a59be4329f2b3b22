package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// RouteID is the route a router gave a consumer (0: none).
type RouteID struct {
	Kind    string // model.KindInstance or model.KindProxy
	ID      int64
	RouteID int64
}

// SetRouteIDs stores the consumers' route ids, writing only those that
// changed (it reports whether one did); consumers deleted meanwhile are
// skipped.
func (s *Store) SetRouteIDs(ctx context.Context, ids []RouteID) (changed bool, err error) {
	if len(ids) == 0 {
		return false, nil
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range ids {
			table := "instances"
			if r.Kind == model.KindProxy {
				table = "standalone_proxies"
			}
			res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET proxy_route_id = ? WHERE id = ? AND proxy_route_id != ?",
				r.RouteID, r.ID, r.RouteID)
			if err != nil {
				return fmt.Errorf("store the route id of %s %d: %w", r.Kind, r.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				changed = true
			}
		}
		return nil
	})
	return changed && err == nil, err
}

// NPMHosts lists the proxy hosts Docker Watcher created in the Nginx Proxy
// Manager at url: route host to NPM id.
func (s *Store) NPMHosts(ctx context.Context, url string) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT host, npm_id FROM npm_hosts WHERE npm_url = ?", url)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var host string
		var id int
		if err := rows.Scan(&host, &id); err != nil {
			return nil, err
		}
		out[host] = id
	}
	return out, rows.Err()
}

// SetNPMHosts replaces what is known of the hosts created at url.
func (s *Store) SetNPMHosts(ctx context.Context, url string, hosts map[string]int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM npm_hosts WHERE npm_url = ?", url); err != nil {
			return err
		}
		now := s.now()
		for host, id := range hosts {
			if _, err := tx.ExecContext(ctx, "INSERT INTO npm_hosts (npm_url, host, npm_id, created_at) VALUES (?, ?, ?, ?)",
				url, host, id, now); err != nil {
				return fmt.Errorf("track NPM proxy host %d of %s: %w", id, host, err)
			}
		}
		return nil
	})
}
