package api

import (
	"context"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// settingsResponse is the settings as the API answers them, with the
// zones of earlier DNS configurations whose records are still to be
// removed: right after a change that left a zone, its whole count (the UI
// follows the removal from there).
type settingsResponse struct {
	model.SettingsView
	DNSCleanups []reconcile.CleanupView `json:"dns_cleanups"`
}

func (s *Server) settingsResponse(ctx context.Context, st model.Settings) (settingsResponse, error) {
	cleanups, err := s.reconciler.Cleanups(ctx, st)
	return settingsResponse{SettingsView: st.View(), DNSCleanups: cleanups}, err
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	resp, err := s.settingsResponse(r.Context(), st)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

// putSettings validates and saves a change of settings, then publishes it. A newly chosen
// zone (or token) is read from the provider by its id, so the zone's name
// is the provider's, never the client's. Saves are serialised among
// themselves, never behind a running DNS sync.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var patch model.SettingsPatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	s.settingsMu.Lock()
	defer s.settingsMu.Unlock()
	current, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	updated, err := patch.Apply(current)
	if err != nil {
		return err
	}
	if err := s.uiDomainTaken(r.Context(), current, updated); err != nil {
		return err
	}
	if updated, err = s.reconciler.CheckSettings(r.Context(), current, updated, patch.GivenZoneName()); err != nil {
		return err
	}
	_, updated, err = s.store.UpdateSettings(r.Context(), func(model.Settings) (model.Settings, error) { return updated, nil })
	if err != nil {
		return err
	}
	// Counted before the event that starts the removal: all of it.
	resp, cerr := s.settingsResponse(r.Context(), updated)
	s.events.Publish(events.Event{Kind: events.SettingsChanged, Subject: "settings"})
	if cerr != nil {
		return cerr
	}
	return writeJSON(w, http.StatusOK, resp)
}

// uiDomainTaken refuses a ui_domain that a standalone proxy or an instance
// holds: one name, one route. It is asked when the name or the base domain
// (so the instances' names) changes, so that stored data that clashes
// already does not block unrelated changes.
func (s *Server) uiDomainTaken(ctx context.Context, current, updated model.Settings) error {
	name := updated.UIDomain
	if name == "" || (name == current.UIDomain && updated.Domain == current.Domain) {
		return nil
	}
	proxies, err := s.store.Proxies(ctx)
	if err != nil {
		return err
	}
	for _, p := range proxies {
		if p.Domain == name {
			return errorf(http.StatusConflict, "ui_domain", "%s is the domain of the standalone proxy %d", name, p.ID)
		}
	}
	return s.instanceHolds(ctx, "ui_domain", name, updated.Domain)
}
