package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/reconcile"
)

// Publisher takes the events of what a handler saved; it never fails.
type Publisher interface {
	Publish(events.Event)
}

func (s *Server) dnsSync(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.reconciler.Sync(r.Context(), false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) dnsPlan(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.reconciler.Sync(r.Context(), true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

var recordStates = []string{model.RecordSynced, model.RecordPending, model.RecordError, model.RecordDeleting,
	reconcile.StateConflict, reconcile.StateOrphan, reconcile.StateGrace, reconcile.StateOutsideZone, reconcile.StateWildcard,
	reconcile.StateEarlierZone}

func (s *Server) dnsRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := reconcile.Filter{Q: q.Get("q"), State: q.Get("state"), Kind: q.Get("kind")}
	if f.State != "" && !slices.Contains(recordStates, f.State) {
		return errorf(http.StatusBadRequest, "state", "state must be one of %v", recordStates)
	}
	if f.Kind != "" && f.Kind != model.KindInstance && f.Kind != model.KindProxy {
		return errorf(http.StatusBadRequest, "kind", "kind must be instance or proxy")
	}
	view, err := s.reconciler.Records(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, view)
}

type deletedRecord struct {
	FQDN string `json:"fqdn"`
	Type string `json:"type"`
}

func (s *Server) dnsDeleteRecord(w http.ResponseWriter, r *http.Request) error {
	fqdn, err := dnsname.NormalizeName(r.PathValue("fqdn"))
	if err != nil {
		return errorf(http.StatusBadRequest, "fqdn", "fqdn %s", err)
	}
	lines, err := s.reconciler.DeleteName(r.Context(), fqdn)
	if errors.Is(err, reconcile.ErrNotTracked) {
		return errorf(http.StatusNotFound, "", "no record of %s is owned by Docker Watcher", fqdn)
	}
	if errors.Is(err, reconcile.ErrNotAtProvider) {
		return errorf(http.StatusNotFound, "", "no record of %s that Docker Watcher created is at the provider; "+
			"the table no longer tracks it", fqdn)
	}
	if err != nil {
		return err
	}
	out := []deletedRecord{}
	for _, l := range lines {
		if l.Action == reconcile.ActDelete {
			out = append(out, deletedRecord{FQDN: l.FQDN, Type: l.Type})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deleted": out})
}
