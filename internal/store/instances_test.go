package store

import (
	"errors"
	"testing"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// The status and the route are written apart: the deployer writes the
// status without knowing route ids, the router the route without touching
// the status or when it changed.
func TestInstanceStatusAndRouteAreSeparateWrites(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	a := model.App{Name: "web", Image: "registry.example.com/web", TagPattern: "latest", ContainerPort: 80, PollIntervalSeconds: 300}
	if err := s.CreateApp(ctx, &a); err != nil {
		t.Fatal(err)
	}
	i := model.Instance{AppID: a.ID, Tag: "latest", Subdomain: "web", Status: model.StatusDeploying}
	if err := s.CreateInstance(ctx, &i); err != nil {
		t.Fatal(err)
	}

	clock = clock.Add(time.Minute)
	if err := s.SetInstanceRoute(ctx, i.ID, 7); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Instance(ctx, i.ID)
	if got.ProxyRouteID != 7 || got.Status != model.StatusDeploying || !got.StatusChangedAt.Equal(clock.Add(-time.Minute)) {
		t.Fatalf("after the route write: %+v", got)
	}

	clock = clock.Add(time.Minute)
	if err := s.SetInstanceStatus(ctx, i.ID, model.StatusRunning, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Instance(ctx, i.ID)
	if got.ProxyRouteID != 7 || got.Status != model.StatusRunning || !got.StatusChangedAt.Equal(clock) {
		t.Fatalf("after the status write: %+v", got)
	}
	clock = clock.Add(time.Minute)
	if err := s.SetInstanceStatus(ctx, i.ID, model.StatusRunning, "a note"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Instance(ctx, i.ID); !got.StatusChangedAt.Equal(clock.Add(-time.Minute)) || got.LastError != "a note" {
		t.Fatalf("the same status again moved status_changed_at: %+v", got)
	}
	if err := s.SetInstanceRoute(ctx, 999, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("route of an unknown instance: %v", err)
	}
}

func TestAppInstances(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	var apps [2]model.App
	for i, name := range []string{"web", "api"} {
		apps[i] = model.App{Name: name, Image: "registry.example.com/" + name, TagPattern: ".*", ContainerPort: 80}
		if err := s.CreateApp(ctx, &apps[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		app       int
		subdomain string
	}{{0, "web-b"}, {1, "api-a"}, {0, "web-a"}} {
		in := model.Instance{AppID: apps[c.app].ID, Tag: c.subdomain, Subdomain: c.subdomain, Status: model.StatusRunning}
		if err := s.CreateInstance(ctx, &in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AppInstances(ctx, apps[0].ID)
	if err != nil || len(got) != 2 || got[0].Subdomain != "web-a" || got[1].Subdomain != "web-b" {
		t.Fatalf("web's instances: %v %+v", err, got)
	}
	if got, err := s.AppInstances(ctx, 999); err != nil || len(got) != 0 {
		t.Fatalf("an unknown app's instances: %v %+v", err, got)
	}
}
