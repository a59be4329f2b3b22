package api

import (
	"errors"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/docker"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// instanceView adds the instance's full name under the base domain and
// its route.
type instanceView struct {
	model.Instance
	FQDN     string           `json:"fqdn"`
	Route    proxy.Status     `json:"route"`
	Progress *docker.Progress `json:"progress,omitempty"` // of the last deploy, while the server runs
	// CanRollback: an earlier image is kept to roll back to.
	CanRollback bool `json:"can_rollback"`
	// Certificate serves the FQDN over HTTPS; null when none is planned.
	Certificate *certificateBadge `json:"certificate"`
}

// instanceView is in as the API shows it; certificates is s.certificates().
func (s *Server) instanceView(in model.Instance, st model.Settings, certificates []certs.Status) instanceView {
	v := instanceView{Instance: in, FQDN: in.FQDN(st.Domain), Route: s.routeStatus(model.KindInstance, in.ID),
		CanRollback: in.PreviousImageID != ""}
	v.Certificate = certificateOf(certificates, v.FQDN)
	v.Route.URL = s.secureURL(v.Route, v.Certificate, v.FQDN)
	if s.deployer != nil {
		if p, ok := s.deployer.Progress(in.ID); ok {
			v.Progress = &p
		}
	}
	return v
}

// loadInstance reads one instance as the API shows it.
func (s *Server) loadInstance(r *http.Request, id int64) (instanceView, error) {
	in, err := s.store.Instance(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return instanceView{}, errorf(http.StatusNotFound, "", "no instance with id %d", id)
	}
	if err != nil {
		return instanceView{}, err
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return instanceView{}, err
	}
	return s.instanceView(in, st, s.certificates()), nil
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) error {
	is, err := s.store.Instances(r.Context())
	if err != nil {
		return err
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	out := make([]instanceView, len(is))
	certificates := s.certificates()
	for i, in := range is {
		out[i] = s.instanceView(in, st, certificates)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.loadInstance(r, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
