package api

import (
	"net/http"

	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// settingsView is what GET /api/settings answers: secrets only say whether
// they are set.
type settingsView struct {
	Domain                string `json:"domain"`
	PublicIPv4            string `json:"public_ipv4"`
	PublicIPv6            string `json:"public_ipv6"`
	WildcardDNS           bool   `json:"wildcard_dns"`
	DNSProvider           string `json:"dns_provider"`
	CloudflareAPITokenSet bool   `json:"cloudflare_api_token_set"`
	CloudflareZoneID      string `json:"cloudflare_zone_id"`
	CloudflareZoneName    string `json:"cloudflare_zone_name"`
	DNSTTL                int    `json:"dns_ttl"`
	CloudflareProxied     bool   `json:"cloudflare_proxied"`

	DNSDeleteGraceSeconds  int `json:"dns_delete_grace_seconds"`
	DNSSyncIntervalSeconds int `json:"dns_sync_interval_seconds"`
}

func viewSettings(s model.Settings) settingsView {
	return settingsView{
		Domain: s.Domain, PublicIPv4: s.PublicIPv4, PublicIPv6: s.PublicIPv6, WildcardDNS: s.WildcardDNS,
		DNSProvider: s.DNSProvider, CloudflareAPITokenSet: s.CloudflareAPIToken != "",
		CloudflareZoneID: s.CloudflareZoneID, CloudflareZoneName: s.CloudflareZoneName,
		DNSTTL: s.DNSTTL, CloudflareProxied: s.CloudflareProxied,
		DNSDeleteGraceSeconds: s.DNSDeleteGraceSeconds, DNSSyncIntervalSeconds: s.DNSSyncIntervalSeconds,
	}
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewSettings(st))
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
	given := ""
	if patch.CloudflareZoneName != nil {
		given = *patch.CloudflareZoneName
	}
	if updated, err = s.reconciler.CheckSettings(r.Context(), current, updated, given); err != nil {
		return err
	}
	_, updated, err = s.store.UpdateSettings(r.Context(), func(model.Settings) (model.Settings, error) { return updated, nil })
	if err != nil {
		return err
	}
	s.events.Publish(events.Event{Kind: events.SettingsChanged, Subject: "settings"})
	return writeJSON(w, http.StatusOK, viewSettings(updated))
}
