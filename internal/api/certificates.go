package api

import (
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy"
)

// Certificates is the certificate manager as the API sees it.
type Certificates interface {
	Enabled() bool
	Status() []certs.Status
	Renew() error
}

// certificateBadge is the certificate of one consumer's name.
type certificateBadge struct {
	State    string `json:"state"`
	NotAfter string `json:"not_after,omitempty"`
}

// certificates is every planned certificate's state: read once for an
// answer, however many names it shows.
func (s *Server) certificates() []certs.Status {
	if s.certs == nil {
		return nil
	}
	return s.certs.Status()
}

// certificateOf is the state of the certificate in list serving name, or
// nil when none is planned.
func certificateOf(list []certs.Status, name string) *certificateBadge {
	if name == "" {
		return nil
	}
	c, ok := certs.Serving(list, name)
	if !ok {
		return nil
	}
	b := &certificateBadge{State: c.State}
	if c.NotAfter != nil {
		b.NotAfter = c.NotAfter.UTC().Format("2006-01-02T15:04:05Z")
	}
	return b
}

// secureURL is the route's address, over HTTPS once a certificate serves
// the name through the built-in proxy.
func (s *Server) secureURL(r proxy.Status, c *certificateBadge, host string) string {
	if c == nil || s.routing.SecureURL == nil || r.Router != model.RouterBuiltin || r.URL == "" {
		return r.URL
	}
	switch c.State {
	case certs.StateValid, certs.StateRenewing, certs.StateExpiring:
		return s.routing.SecureURL(host)
	}
	return r.URL
}

type certificatesResponse struct {
	Enabled      bool           `json:"enabled"`
	Certificates []certs.Status `json:"certificates"`
}

func (s *Server) listCertificates(w http.ResponseWriter, _ *http.Request) error {
	out := certificatesResponse{Certificates: []certs.Status{}}
	if s.certs != nil {
		out.Enabled, out.Certificates = s.certs.Enabled(), s.certs.Status()
	}
	return writeJSON(w, http.StatusOK, out)
}

// renewCertificates renews every planned certificate now, in the
// background; their states follow in GET /api/certificates and on the
// event stream.
func (s *Server) renewCertificates(w http.ResponseWriter, _ *http.Request) error {
	if s.certs == nil || !s.certs.Enabled() {
		return errorf(http.StatusConflict, "", "HTTPS is off: set a domain and enable ACME first")
	}
	if err := s.certs.Renew(); err != nil {
		return errorf(http.StatusConflict, "", "%s", err.Error())
	}
	return writeJSON(w, http.StatusAccepted, map[string]bool{"started": true})
}
