package store

import (
	"context"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const instanceColumns = `id, app_id, tag, digest, subdomain, container_id, host_port, status, proxy_route_id,
	last_error, created_at, updated_at, status_changed_at, image_id, previous_digest, previous_image_id, failed_digest`

func scanInstance(sc interface{ Scan(...any) error }) (model.Instance, error) {
	var i model.Instance
	err := sc.Scan(&i.ID, &i.AppID, &i.Tag, &i.Digest, &i.Subdomain, &i.ContainerID, &i.HostPort, &i.Status,
		&i.ProxyRouteID, &i.LastError, &i.CreatedAt, &i.UpdatedAt, &i.StatusChangedAt, &i.ImageID, &i.PreviousDigest,
		&i.PreviousImageID, &i.FailedDigest)
	return i, err
}

// Instances lists every instance by subdomain.
func (s *Store) Instances(ctx context.Context) ([]model.Instance, error) {
	return list(ctx, s.db, "SELECT "+instanceColumns+" FROM instances ORDER BY subdomain", scanInstance)
}

// AppInstances lists the instances of one app, by subdomain.
func (s *Store) AppInstances(ctx context.Context, appID int64) ([]model.Instance, error) {
	return list(ctx, s.db, "SELECT "+instanceColumns+" FROM instances WHERE app_id = ? ORDER BY subdomain", scanInstance, appID)
}

// Instance reads one instance.
func (s *Store) Instance(ctx context.Context, id int64) (model.Instance, error) {
	i, err := scanInstance(s.db.QueryRowContext(ctx, "SELECT "+instanceColumns+" FROM instances WHERE id = ?", id))
	return i, mapErr(err)
}

// CreateInstance stores a new instance and sets its id and times.
func (s *Store) CreateInstance(ctx context.Context, i *model.Instance) error {
	now := s.now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO instances (app_id, tag, digest, subdomain, container_id,
		host_port, status, proxy_route_id, last_error, created_at, updated_at, status_changed_at, image_id,
		previous_digest, previous_image_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		i.AppID, i.Tag, i.Digest, i.Subdomain, i.ContainerID, i.HostPort, i.Status, i.ProxyRouteID,
		i.LastError, now, now, now, i.ImageID, i.PreviousDigest, i.PreviousImageID).Scan(&i.ID)
	if err != nil {
		return mapErr(err)
	}
	i.CreatedAt, i.UpdatedAt, i.StatusChangedAt = now, now, now
	return nil
}

// SetInstanceStatus changes an instance's status (and notes when) and its
// last error.
func (s *Store) SetInstanceStatus(ctx context.Context, id int64, status, lastError string) error {
	now := s.now()
	return affected(s.db.ExecContext(ctx, `UPDATE instances SET
		status_changed_at = CASE WHEN status = ? THEN coalesce(status_changed_at, updated_at) ELSE ? END,
		status = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		status, now, status, lastError, now, id))
}

// SetInstanceRoute records the proxy route that serves an instance (0: none).
// The router writes it; the deployer never needs to know route ids.
func (s *Store) SetInstanceRoute(ctx context.Context, id, proxyRouteID int64) error {
	return affected(s.db.ExecContext(ctx, "UPDATE instances SET proxy_route_id = ?, updated_at = ? WHERE id = ?",
		proxyRouteID, s.now(), id))
}

// DeleteInstance removes an instance.
func (s *Store) DeleteInstance(ctx context.Context, id int64) error {
	return affected(s.db.ExecContext(ctx, "DELETE FROM instances WHERE id = ?", id))
}

// UpdateInstance writes what the deployer changes of an instance: its
// container, port, image, status (noting when it changed) and last error.
func (s *Store) UpdateInstance(ctx context.Context, i model.Instance) error {
	now := s.now()
	return affected(s.db.ExecContext(ctx, `UPDATE instances SET
		status_changed_at = CASE WHEN status = ? THEN status_changed_at ELSE ? END,
		status = ?, digest = ?, container_id = ?, host_port = ?, last_error = ?, image_id = ?,
		previous_digest = ?, previous_image_id = ?, failed_digest = ?, updated_at = ? WHERE id = ?`,
		i.Status, now, i.Status, i.Digest, i.ContainerID, i.HostPort, i.LastError, i.ImageID,
		i.PreviousDigest, i.PreviousImageID, i.FailedDigest, now, i.ID))
}
