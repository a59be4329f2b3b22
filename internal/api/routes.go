package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// Routing is the routing layer as the API sees it.
type Routing struct {
	// Status is a consumer's route after the last sync (proxy.Syncer).
	Status func(proxy.Key) proxy.Status
	// ProxyAddr is where the built-in proxy answers on this host
	// (host:port), for the route check.
	ProxyAddr string
	// TestNPM logs in to an NPM and counts the proxy hosts it shows.
	TestNPM func(context.Context, model.NPMConfig) (hosts int, err error)
	// SecureURL is where host is reached over HTTPS through the built-in
	// proxy (its --proxy-tls-listen port); nil: nowhere.
	SecureURL func(host string) string
}

func (s *Server) routeStatus(kind string, id int64) proxy.Status {
	if s.routing.Status == nil {
		return proxy.Status{Router: model.RouterBuiltin, State: proxy.NoRoute}
	}
	return s.routing.Status(proxy.Key{Kind: kind, ID: id})
}

// proxyView is a standalone proxy with its route.
type proxyView struct {
	model.Proxy
	Route proxy.Status `json:"route"`
	// Certificate serves the domain over HTTPS; null when none is planned.
	Certificate *certificateBadge `json:"certificate"`
}

// proxyView is p as the API shows it; certificates is s.certificates().
func (s *Server) proxyView(p model.Proxy, certificates []certs.Status) proxyView {
	v := proxyView{Proxy: p, Route: s.routeStatus(model.KindProxy, p.ID), Certificate: certificateOf(certificates, p.Domain)}
	v.Route.URL = s.secureURL(v.Route, v.Certificate, p.Domain)
	return v
}

// checkProxy asks whether a proxy's route answers: through the built-in
// proxy when it routes, else (NPM) at the target itself.
func (s *Server) checkProxy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadProxy(r)
	if err != nil {
		return err
	}
	st := s.routeStatus(model.KindProxy, p.ID)
	var res proxy.ProbeResult
	if st.Router == model.RouterBuiltin && s.routing.ProxyAddr != "" {
		res = proxy.Probe(r.Context(), "http://"+s.routing.ProxyAddr, p.Domain, "proxy")
	} else {
		res = proxy.Probe(r.Context(), p.ForwardScheme+"://"+p.ForwardAddr(), p.Domain, "upstream")
	}
	return writeJSON(w, http.StatusOK, res)
}

// npmTestInput is what the Test button sends: the NPM fields as typed,
// any of them omitted to use the stored one.
type npmTestInput struct {
	NPMURL         *string `json:"npm_url"`
	NPMEmail       *string `json:"npm_email"`
	NPMPassword    *string `json:"npm_password"`
	NPMForwardHost *string `json:"npm_forward_host"`
}

type npmTestResponse struct {
	OK      bool   `json:"ok"`
	Hosts   int    `json:"hosts"`
	Message string `json:"message"`
}

// proxyTest checks NPM credentials: it logs in and lists the proxy hosts,
// and changes nothing.
func (s *Server) proxyTest(w http.ResponseWriter, r *http.Request) error {
	var in npmTestInput
	if err := decodeOptional(w, r, &in); err != nil { // nothing given: the stored settings
		return err
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	npm := model.RouterNPM
	st, err = model.SettingsPatch{ProxyProvider: &npm, NPMURL: in.NPMURL, NPMEmail: in.NPMEmail,
		NPMPassword: in.NPMPassword, NPMForwardHost: in.NPMForwardHost}.Apply(st)
	if err != nil {
		return err
	}
	if s.routing.TestNPM == nil {
		return errorf(http.StatusNotImplemented, "proxy_provider", "this server cannot reach Nginx Proxy Manager")
	}
	c := st.Proxy().NPM
	n, err := s.routing.TestNPM(r.Context(), c)
	if err != nil {
		return writeJSON(w, http.StatusOK, npmTestResponse{Message: err.Error()})
	}
	return writeJSON(w, http.StatusOK, npmTestResponse{OK: true, Hosts: n,
		Message: fmt.Sprintf("Logged in to %s as %s; the account sees %d proxy hosts.", c.URL, c.Email, n)})
}
