package api

import (
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// ProviderFactory builds the DNS provider that settings describe.
type ProviderFactory func(model.Settings) (dns.Provider, error)

type dnsTestResponse struct {
	OK       bool        `json:"ok"`
	Provider string      `json:"provider"`
	ZoneName string      `json:"zone_name"`
	Checks   []dns.Check `json:"checks"`
}

// provider builds the provider of st, refusing settings that name none.
func (s *Server) provider(st model.Settings) (dns.Provider, error) {
	if err := st.DNS().CredentialsReady(); err != nil {
		return nil, err
	}
	return s.dnsProviders(st)
}

func (s *Server) dnsTest(w http.ResponseWriter, r *http.Request) error {
	var in model.DNSPatch                             // what to test instead of the stored settings
	if err := decodeOptional(w, r, &in); err != nil { // nothing given: the stored settings
		return err
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	// Validated like a settings change, but not saved.
	st, err = in.Settings().Apply(st)
	if err != nil {
		return err
	}
	p, err := s.provider(st)
	if err != nil {
		return err
	}
	v, ok := p.(dns.Verifier)
	if !ok {
		return errorf(http.StatusBadRequest, "dns_provider", "the %s provider cannot verify its credentials", st.DNSProvider)
	}
	res, err := v.Verify(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, dnsTestResponse{OK: res.OK(), Provider: st.DNSProvider, ZoneName: res.ZoneName, Checks: res.Checks})
}

func (s *Server) dnsZones(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	p, err := s.provider(st)
	if err != nil {
		return err
	}
	zl, ok := p.(dns.ZoneLister)
	if !ok {
		return errorf(http.StatusBadRequest, "dns_provider", "the %s provider cannot list zones", st.DNSProvider)
	}
	zones, err := zl.ListZones(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	if zones == nil {
		zones = []dns.Zone{}
	}
	return writeJSON(w, http.StatusOK, zones)
}
