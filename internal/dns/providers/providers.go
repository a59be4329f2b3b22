// Package providers builds the DNS provider that the settings name. It is
// the one place that knows every provider package.
package providers

import (
	"fmt"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Options are start-up settings of the providers.
type Options struct {
	CloudflareAPIURL string // DW_CLOUDFLARE_API_URL; Cloudflare's own when empty
}

// Factory returns a function that builds the provider of some settings.
func Factory(o Options) func(model.Settings) (dns.Provider, error) {
	return func(s model.Settings) (dns.Provider, error) {
		switch s.DNSProvider {
		case model.ProviderCloudflare:
			return cloudflare.New(cloudflare.Options{
				Token:    s.CloudflareAPIToken,
				ZoneID:   s.CloudflareZoneID,
				ZoneName: s.CloudflareZoneName,
				Marker:   dns.OwnerMarker(s.InstallationID),
				BaseURL:  o.CloudflareAPIURL,
			})
		}
		return nil, fmt.Errorf("unknown DNS provider %q", s.DNSProvider)
	}
}
