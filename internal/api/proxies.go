package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/store"
)

// proxyInput is the writable part of a standalone proxy.
type proxyInput struct {
	Domain        string `json:"domain"`
	ForwardScheme string `json:"forward_scheme"`
	ForwardHost   string `json:"forward_host"`
	ForwardPort   int    `json:"forward_port"`
}

func (in proxyInput) applyTo(p *model.Proxy) error {
	p.Domain, p.ForwardScheme, p.ForwardHost, p.ForwardPort = in.Domain, in.ForwardScheme, in.ForwardHost, in.ForwardPort
	return p.Normalize()
}

func proxyConflict(err error, domain string) error {
	if errors.Is(err, store.ErrConflict) {
		return errorf(http.StatusConflict, "domain", "a proxy for %s already exists", domain)
	}
	return err
}

// nameTaken refuses a proxy domain that is an instance's name or the UI's:
// one name, one route.
func (s *Server) nameTaken(r *http.Request, domain string) error {
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	if domain == st.UIDomain {
		return errorf(http.StatusConflict, "domain", "%s is the name the UI is served at (ui_domain in the settings)", domain)
	}
	return s.instanceHolds(r.Context(), "domain", domain, st.Domain)
}

// instanceHolds refuses a name that is an instance's under the base
// domain, as a 409 naming field.
func (s *Server) instanceHolds(ctx context.Context, field, name, baseDomain string) error {
	instances, err := s.store.Instances(ctx)
	if err != nil {
		return err
	}
	for _, in := range instances {
		if in.FQDN(baseDomain) == name {
			return errorf(http.StatusConflict, field, "%s is the name of the instance %s (tag %s) under the base domain", name, in.Subdomain, in.Tag)
		}
	}
	return nil
}

func (s *Server) listProxies(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.store.Proxies(r.Context())
	if err != nil {
		return err
	}
	out := make([]proxyView, len(ps))
	certificates := s.certificates()
	for i, p := range ps {
		out[i] = s.proxyView(p, certificates)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getProxy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadProxy(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.proxyView(p, s.certificates()))
}

func (s *Server) loadProxy(r *http.Request) (model.Proxy, error) {
	id, err := pathID(r)
	if err != nil {
		return model.Proxy{}, err
	}
	p, err := s.store.Proxy(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return p, errorf(http.StatusNotFound, "", "no proxy with id %d", id)
	}
	return p, err
}

func (s *Server) createProxy(w http.ResponseWriter, r *http.Request) error {
	var in proxyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var p model.Proxy
	if err := in.applyTo(&p); err != nil {
		return err
	}
	if err := s.nameTaken(r, p.Domain); err != nil {
		return err
	}
	if err := s.store.CreateProxy(r.Context(), &p); err != nil {
		return proxyConflict(err, p.Domain)
	}
	s.proxyChanged(p.ID)
	return s.writeProxy(w, r, http.StatusCreated, p)
}

func (s *Server) updateProxy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadProxy(r)
	if err != nil {
		return err
	}
	var in proxyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := in.applyTo(&p); err != nil {
		return err
	}
	if err := s.nameTaken(r, p.Domain); err != nil {
		return err
	}
	updated, err := s.store.UpdateProxy(r.Context(), p)
	if err != nil {
		return proxyConflict(err, p.Domain)
	}
	s.proxyChanged(p.ID)
	return s.writeProxy(w, r, http.StatusOK, updated)
}

func (s *Server) deleteProxy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadProxy(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteProxy(r.Context(), p.ID); err != nil {
		return err
	}
	s.proxyChanged(p.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeProxy answers a saved proxy as the router left it: the built-in
// proxy has routed it by now (its route id is stored); NPM may not have.
func (s *Server) writeProxy(w http.ResponseWriter, r *http.Request, status int, p model.Proxy) error {
	if fresh, err := s.store.Proxy(r.Context(), p.ID); err == nil {
		p = fresh
	}
	return writeJSON(w, status, s.proxyView(p, s.certificates()))
}

// proxyChanged publishes that a standalone proxy, so a consumer, changed.
func (s *Server) proxyChanged(id int64) {
	s.events.Publish(events.Event{Kind: events.ConsumersChanged, Subject: model.KindProxy, ID: id})
}
