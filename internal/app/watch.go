package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/docker"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/registry"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// watchedApps shows the registry watcher the apps that deploy themselves.
type watchedApps struct{ store *store.Store }

func (w watchedApps) WatchedApps(ctx context.Context) ([]registry.AppView, error) {
	apps, err := w.store.Apps(ctx)
	if err != nil {
		return nil, err
	}
	var out []registry.AppView
	for _, a := range apps {
		if !a.AutoDeploy {
			continue
		}
		re, err := a.TagRegexp()
		if err != nil {
			continue // refused when saved; an older row is skipped
		}
		out = append(out, registry.AppView{ID: a.ID, Name: a.Name, Image: a.Image, Pattern: re, AutoDeploy: true,
			PollInterval: time.Duration(a.PollIntervalSeconds) * time.Second,
			Auth:         registry.Auth{Username: a.RegistryUsername, Password: a.RegistryPassword},
			OnVanished:   registry.VanishedPolicy(a.VanishedTag)})
	}
	return out, nil
}

func (w watchedApps) Instances(ctx context.Context, appID int64) ([]registry.InstanceView, error) {
	all, err := w.store.AppInstances(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := make([]registry.InstanceView, len(all))
	for i, in := range all {
		out[i] = registry.InstanceView{ID: in.ID, Tag: in.Tag, Digest: in.Digest, Status: in.Status, FailedDigest: in.FailedDigest}
	}
	return out, nil
}

// watchDeployer runs the watcher's actions, each until it is done.
type watchDeployer struct{ d *docker.Deployer }

func (w watchDeployer) Deploy(ctx context.Context, appID int64, tag, _ string) error {
	return temporary(w.d.DeployAndWait(ctx, appID, tag))
}

func (w watchDeployer) Redeploy(ctx context.Context, id int64, _ string) error {
	return temporary(w.d.RedeployAndWait(ctx, id))
}

func (w watchDeployer) Remove(ctx context.Context, id int64) error {
	return temporary(w.d.Remove(ctx, id))
}

// temporary marks an engine that did not answer as no fault of the image:
// the watcher tries again at its next check.
func temporary(err error) error {
	if errors.Is(err, docker.ErrEngineDown) {
		return fmt.Errorf("%w: %w", registry.ErrTemporary, err)
	}
	return err
}

// appReporter keeps the watcher's last problem on the app, and tells the
// UI (subject "check": the watcher itself need not read the apps again).
type appReporter struct {
	store  *store.Store
	events *events.Bus
}

func (r appReporter) AppError(appID int64, err error) { r.set(appID, err.Error()) }
func (r appReporter) AppOK(appID int64)               { r.set(appID, "") }

func (r appReporter) set(appID int64, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.store.SetAppCheck(ctx, appID, msg) == nil { // a deleted app has nothing to note it on
		r.events.Publish(events.Event{Kind: events.AppsChanged, Subject: checkSubject, ID: appID})
	}
}

// checkSubject marks the apps_changed of a registry check.
const checkSubject = "check"
