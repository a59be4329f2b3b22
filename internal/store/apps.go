package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const appColumns = `id, name, image, tag_pattern, container_port, env, auto_deploy, poll_interval_seconds,
	registry_username, registry_password, created_at, updated_at, health_path, health_host, memory_mb, cpus,
	volumes, restart_policy, vanished_tag, last_error, last_checked_at`

func scanApp(sc interface{ Scan(...any) error }) (model.App, error) {
	var a model.App
	var env, volumes string
	var checked sql.NullTime
	err := sc.Scan(&a.ID, &a.Name, &a.Image, &a.TagPattern, &a.ContainerPort, &env, &a.AutoDeploy,
		&a.PollIntervalSeconds, &a.RegistryUsername, &a.RegistryPassword, &a.CreatedAt, &a.UpdatedAt,
		&a.HealthPath, &a.HealthHost, &a.MemoryMB, &a.CPUs, &volumes, &a.RestartPolicy, &a.VanishedTag,
		&a.LastError, &checked)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(env), &a.Env); err != nil {
		return a, fmt.Errorf("app %d: env: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(volumes), &a.Volumes); err != nil {
		return a, fmt.Errorf("app %d: volumes: %w", a.ID, err)
	}
	if checked.Valid {
		a.LastCheckedAt = &checked.Time
	}
	return a, nil
}

// Apps lists the apps by name.
func (s *Store) Apps(ctx context.Context) ([]model.App, error) {
	return list(ctx, s.db, "SELECT "+appColumns+" FROM apps ORDER BY name", scanApp)
}

// App reads one app.
func (s *Store) App(ctx context.Context, id int64) (model.App, error) {
	a, err := scanApp(s.db.QueryRowContext(ctx, "SELECT "+appColumns+" FROM apps WHERE id = ?", id))
	return a, mapErr(err)
}

// CreateApp stores a new app and sets its id and times.
func (s *Store) CreateApp(ctx context.Context, a *model.App) error {
	env, volumes, err := appJSON(*a)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.db.QueryRowContext(ctx, `INSERT INTO apps (name, image, tag_pattern, container_port, env,
		auto_deploy, poll_interval_seconds, registry_username, registry_password, created_at, updated_at,
		health_path, health_host, memory_mb, cpus, volumes, restart_policy, vanished_tag)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Name, a.Image, a.TagPattern, a.ContainerPort, env, a.AutoDeploy, a.PollIntervalSeconds,
		a.RegistryUsername, a.RegistryPassword, now, now, a.HealthPath, a.HealthHost, a.MemoryMB, a.CPUs,
		volumes, a.RestartPolicy, a.VanishedTag).Scan(&a.ID)
	if err != nil {
		return mapErr(err)
	}
	a.CreatedAt, a.UpdatedAt = now, now
	return nil
}

// UpdateApp writes the user-set fields of a and returns the stored row.
func (s *Store) UpdateApp(ctx context.Context, a model.App) (model.App, error) {
	env, volumes, err := appJSON(a)
	if err != nil {
		return model.App{}, err
	}
	err = affected(s.db.ExecContext(ctx, `UPDATE apps SET name = ?, image = ?, tag_pattern = ?,
		container_port = ?, env = ?, auto_deploy = ?, poll_interval_seconds = ?, registry_username = ?,
		registry_password = ?, health_path = ?, health_host = ?, memory_mb = ?, cpus = ?, volumes = ?,
		restart_policy = ?, vanished_tag = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.Image, a.TagPattern, a.ContainerPort, env, a.AutoDeploy, a.PollIntervalSeconds,
		a.RegistryUsername, a.RegistryPassword, a.HealthPath, a.HealthHost, a.MemoryMB, a.CPUs, volumes,
		a.RestartPolicy, a.VanishedTag, s.now(), a.ID))
	if err != nil {
		return model.App{}, err
	}
	return s.App(ctx, a.ID)
}

// SetAppCheck notes the watcher's last check of an app and its problem
// ("" when none).
func (s *Store) SetAppCheck(ctx context.Context, id int64, lastError string) error {
	return affected(s.db.ExecContext(ctx, "UPDATE apps SET last_error = ?, last_checked_at = ? WHERE id = ?",
		lastError, s.now(), id))
}

// appJSON is the stored form of an app's environment and volumes.
func appJSON(a model.App) (env, volumes string, err error) {
	e, err := json.Marshal(a.Env)
	if err != nil {
		return "", "", err
	}
	if a.Volumes == nil {
		a.Volumes = map[string]string{}
	}
	v, err := json.Marshal(a.Volumes)
	return string(e), string(v), err
}

// DeleteApp removes an app; ErrConflict while instances of it exist.
func (s *Store) DeleteApp(ctx context.Context, id int64) error {
	return affected(s.db.ExecContext(ctx, "DELETE FROM apps WHERE id = ?", id))
}
