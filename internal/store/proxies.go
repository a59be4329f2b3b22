package store

import (
	"context"
	"database/sql"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const proxyColumns = `id, domain, forward_scheme, forward_host, forward_port, proxy_route_id, created_at, updated_at`

func scanProxy(sc interface{ Scan(...any) error }) (model.Proxy, error) {
	var p model.Proxy
	err := sc.Scan(&p.ID, &p.Domain, &p.ForwardScheme, &p.ForwardHost, &p.ForwardPort, &p.ProxyRouteID, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// Proxies lists the standalone proxies by domain.
func (s *Store) Proxies(ctx context.Context) ([]model.Proxy, error) {
	return list(ctx, s.db, "SELECT "+proxyColumns+" FROM standalone_proxies ORDER BY domain", scanProxy)
}

// Proxy reads one standalone proxy.
func (s *Store) Proxy(ctx context.Context, id int64) (model.Proxy, error) {
	p, err := scanProxy(s.db.QueryRowContext(ctx, "SELECT "+proxyColumns+" FROM standalone_proxies WHERE id = ?", id))
	return p, mapErr(err)
}

// CreateProxy stores a new proxy and sets its id and times.
func (s *Store) CreateProxy(ctx context.Context, p *model.Proxy) error {
	now := s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO standalone_proxies
		(domain, forward_scheme, forward_host, forward_port, proxy_route_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Domain, p.ForwardScheme, p.ForwardHost, p.ForwardPort, p.ProxyRouteID, now, now).Scan(&p.ID)
	if err != nil {
		return mapErr(err)
	}
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// UpdateProxy writes the user-set fields of p and returns the stored row.
func (s *Store) UpdateProxy(ctx context.Context, p model.Proxy) (model.Proxy, error) {
	err := affected(s.db.ExecContext(ctx, `UPDATE standalone_proxies SET domain = ?, forward_scheme = ?,
		forward_host = ?, forward_port = ?, updated_at = ? WHERE id = ?`,
		p.Domain, p.ForwardScheme, p.ForwardHost, p.ForwardPort, s.now(), p.ID))
	if err != nil {
		return model.Proxy{}, err
	}
	return s.Proxy(ctx, p.ID)
}

// SetProxyRoute records the proxy router's id for the proxy.
func (s *Store) SetProxyRoute(ctx context.Context, id, routeID int64) error {
	return affected(s.db.ExecContext(ctx, `UPDATE standalone_proxies SET proxy_route_id = ?, updated_at = ? WHERE id = ?`,
		routeID, s.now(), id))
}

// DeleteProxy removes a proxy.
func (s *Store) DeleteProxy(ctx context.Context, id int64) error {
	return affected(s.db.ExecContext(ctx, "DELETE FROM standalone_proxies WHERE id = ?", id))
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, db *sql.DB, query string, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
