package api

import (
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st.View())
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
	if updated, err = s.reconciler.CheckSettings(r.Context(), current, updated, patch.GivenZoneName()); err != nil {
		return err
	}
	_, updated, err = s.store.UpdateSettings(r.Context(), func(model.Settings) (model.Settings, error) { return updated, nil })
	if err != nil {
		return err
	}
	s.events.Publish(events.Event{Kind: events.SettingsChanged, Subject: "settings"})
	return writeJSON(w, http.StatusOK, updated.View())
}
