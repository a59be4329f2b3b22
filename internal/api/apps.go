package api

import (
	"errors"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// appInput is the writable part of an app. Optional fields left out keep
// their stored value (or get the default on create).
type appInput struct {
	Name                string            `json:"name"`
	Image               string            `json:"image"`
	TagPattern          string            `json:"tag_pattern"`
	ContainerPort       int               `json:"container_port"`
	Env                 map[string]string `json:"env"`
	AutoDeploy          bool              `json:"auto_deploy"`
	PollIntervalSeconds *int              `json:"poll_interval_seconds"`
	RegistryUsername    string            `json:"registry_username"`
	RegistryPassword    *string           `json:"registry_password"` // write-only

	HealthPath    *string            `json:"health_path"`
	HealthHost    *string            `json:"health_host"`
	MemoryMB      *int               `json:"memory_mb"`
	CPUs          *float64           `json:"cpus"`
	Volumes       *map[string]string `json:"volumes"`
	RestartPolicy *string            `json:"restart_policy"`
	VanishedTag   *string            `json:"vanished_tag"`
}

func (in appInput) applyTo(a *model.App) error {
	a.Name, a.Image, a.TagPattern, a.ContainerPort = in.Name, in.Image, in.TagPattern, in.ContainerPort
	a.Env, a.AutoDeploy, a.RegistryUsername = in.Env, in.AutoDeploy, in.RegistryUsername
	if in.PollIntervalSeconds != nil {
		a.PollIntervalSeconds = *in.PollIntervalSeconds
	}
	if in.RegistryPassword != nil {
		a.RegistryPassword = *in.RegistryPassword
	}
	model.Patch(&a.HealthPath, in.HealthPath)
	model.Patch(&a.HealthHost, in.HealthHost)
	model.Patch(&a.MemoryMB, in.MemoryMB)
	model.Patch(&a.CPUs, in.CPUs)
	model.Patch(&a.Volumes, in.Volumes)
	model.Patch(&a.RestartPolicy, in.RestartPolicy)
	model.Patch(&a.VanishedTag, in.VanishedTag)
	return a.Normalize()
}

// appView is an app as the API shows it: the password only says whether
// it is set.
type appView struct {
	model.App
	RegistryPasswordSet bool `json:"registry_password_set"`
}

func viewApp(a model.App) appView {
	return appView{App: a, RegistryPasswordSet: a.RegistryPassword != ""}
}

func appConflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return errorf(http.StatusConflict, "name", "an app named %s already exists", name)
	}
	return err
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) error {
	as, err := s.store.Apps(r.Context())
	if err != nil {
		return err
	}
	out := make([]appView, len(as))
	for i, a := range as {
		out[i] = viewApp(a)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) loadApp(r *http.Request) (model.App, error) {
	id, err := pathID(r)
	if err != nil {
		return model.App{}, err
	}
	a, err := s.store.App(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return a, errorf(http.StatusNotFound, "", "no app with id %d", id)
	}
	return a, err
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadApp(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewApp(a))
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	var in appInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a := model.App{PollIntervalSeconds: model.DefaultPollIntervalSeconds}
	if err := in.applyTo(&a); err != nil {
		return err
	}
	if err := s.store.CreateApp(r.Context(), &a); err != nil {
		return appConflict(err, a.Name)
	}
	s.appChanged(a.ID)
	return writeJSON(w, http.StatusCreated, viewApp(a))
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadApp(r)
	if err != nil {
		return err
	}
	var in appInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := in.applyTo(&a); err != nil {
		return err
	}
	updated, err := s.store.UpdateApp(r.Context(), a)
	if err != nil {
		return appConflict(err, a.Name)
	}
	s.appChanged(a.ID)
	return writeJSON(w, http.StatusOK, viewApp(updated))
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadApp(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteApp(r.Context(), a.ID); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return errorf(http.StatusConflict, "", "app %s still has instances; remove them first", a.Name)
		}
		return err
	}
	s.appChanged(a.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// appChanged tells the registry watcher (through the bus).
func (s *Server) appChanged(id int64) {
	s.events.Publish(events.Event{Kind: events.AppsChanged, Subject: "app", ID: id})
}
