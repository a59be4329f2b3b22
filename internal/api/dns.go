package api

import (
	"errors"
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// ProviderFactory builds the DNS provider that settings describe.
type ProviderFactory func(model.Settings) (dns.Provider, error)

// dnsTestRequest names what to test instead of the stored settings.
type dnsTestRequest struct {
	DNSProvider        *string `json:"dns_provider"`
	CloudflareAPIToken *string `json:"cloudflare_api_token"`
	CloudflareZoneID   *string `json:"cloudflare_zone_id"`
}

type dnsTestResponse struct {
	OK       bool        `json:"ok"`
	Provider string      `json:"provider"`
	ZoneName string      `json:"zone_name"`
	Checks   []dns.Check `json:"checks"`
}

// provider builds the provider of st, refusing settings that name none.
func (s *Server) provider(st model.Settings) (dns.Provider, error) {
	if st.DNSProvider == model.ProviderNone {
		return nil, errorf(http.StatusBadRequest, "dns_provider", "choose a DNS provider first")
	}
	if st.DNSProvider == model.ProviderCloudflare && st.CloudflareAPIToken == "" {
		return nil, errorf(http.StatusBadRequest, "cloudflare_api_token", "enter a Cloudflare API token first")
	}
	return s.dnsProviders(st)
}

func (s *Server) dnsTest(w http.ResponseWriter, r *http.Request) error {
	var in dnsTestRequest
	if err := decode(w, r, &in); err != nil {
		var he *httpError
		// The body is optional: nothing given tests the stored settings.
		if !errors.As(err, &he) || he.msg != errEmptyBody {
			return err
		}
	}
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	// Validated like a settings change, but not saved.
	st, err = model.SettingsPatch{DNSProvider: in.DNSProvider, CloudflareAPIToken: in.CloudflareAPIToken,
		CloudflareZoneID: in.CloudflareZoneID}.Apply(st)
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
