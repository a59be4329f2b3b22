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
	// OffReason says why nothing is obtained while Enabled is false.
	OffReason string `json:"off_reason,omitempty"`
}

func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request) error {
	out := certificatesResponse{Certificates: []certs.Status{}}
	if s.certs != nil {
		out.Enabled, out.Certificates = s.certs.Enabled(), s.certs.Status()
	}
	if !out.Enabled {
		st, err := s.store.Settings(r.Context())
		if err != nil {
			return err
		}
		out.OffReason = offReason(st, s.acmeForbidden)
	}
	return writeJSON(w, http.StatusOK, out)
}

// offReason says why no certificate is obtained, in the words of the
// Certificates card; "" when the settings and the server allow them. The
// server's own switch comes first: the settings cannot undo it.
func offReason(st model.Settings, forbidden bool) string {
	switch {
	case forbidden:
		return "ACME is turned off for this server (DW_ACME=off): no certificate is obtained, whatever the settings say."
	case st.Proxy().Router != model.RouterBuiltin:
		return "Nginx Proxy Manager routes the names: it obtains and serves their certificates itself."
	case st.Domain == "":
		return "Set a domain to get certificates."
	case !st.ACMEEnabled:
		return "ACME is off in the settings: turn it on to get certificates."
	}
	return ""
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
