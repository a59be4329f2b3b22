package model

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// DNSConfig is how the settings keep DNS records: the one value the
// reconciler and the API ask about DNS. A provider's own settings fields
// are known here, where they are stored, and in its provider package; the
// rest of the code sees the provider's name, its zone and an opaque set of
// credentials. A second provider is a new entry in dnsFields, its fields in
// Settings, and its package under dns.
type DNSConfig struct {
	Wildcard    bool
	Provider    string
	ZoneID      string
	ZoneName    string            // the provider's name of the zone; "" until known
	Credentials map[string]string // secret: never returned, never logged
	Proxied     bool              // served through the provider's proxy (Cloudflare)

	installation string
}

// providerFields names a provider's settings fields, as the API spells
// them, for errors that say which one to fix.
type providerFields struct {
	zoneID string
	secret string // the credential
	label  string // for messages
}

var dnsFields = map[string]providerFields{
	ProviderCloudflare: {zoneID: "cloudflare_zone_id", secret: "cloudflare_api_token", label: "Cloudflare API token"},
}

// DNS returns the DNS configuration of the settings.
func (s Settings) DNS() DNSConfig {
	c := DNSConfig{Wildcard: s.WildcardDNS, Provider: s.DNSProvider, Credentials: map[string]string{}, installation: s.InstallationID}
	if s.DNSProvider == ProviderCloudflare {
		c.ZoneID, c.ZoneName, c.Proxied = s.CloudflareZoneID, s.CloudflareZoneName, s.CloudflareProxied
		c.Credentials["cloudflare_api_token"] = s.CloudflareAPIToken
	}
	return c
}

// Managed reports whether records are written to a provider.
func (c DNSConfig) Managed() bool { return !c.Wildcard && c.Provider != ProviderNone }

// Target is the provider's zone that is managed; zero when none is.
func (c DNSConfig) Target() DNSTarget {
	if !c.Managed() {
		return DNSTarget{}
	}
	return DNSTarget{Provider: c.Provider, ZoneID: c.ZoneID}
}

// Key identifies the configuration (provider, zone, credentials, this
// installation's marker): two settings with the same key reach the same
// records the same way. It is a hash: it never holds a secret.
func (c DNSConfig) Key() string {
	h := sha256.New()
	for _, part := range []string{c.Provider, c.ZoneID, c.installation} {
		h.Write([]byte(part + "\x00"))
	}
	names := make([]string, 0, len(c.Credentials))
	for k := range c.Credentials {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		h.Write([]byte(k + "=" + c.Credentials[k] + "\x00"))
	}
	return string(h.Sum(nil))
}

// CredentialsReady reports, as a field error, a provider's missing
// credentials.
func (c DNSConfig) CredentialsReady() error {
	f, ok := dnsFields[c.Provider]
	if !ok {
		return fieldErr("dns_provider", "no DNS provider is chosen")
	}
	if c.Credentials[f.secret] == "" {
		return fieldErr(f.secret, fmt.Sprintf("no %s is stored: enter one in Settings → DNS", f.label))
	}
	return nil
}

// Ready reports, as a field error naming what to fix, what the
// configuration still lacks to reach its zone.
func (c DNSConfig) Ready() error {
	f, ok := dnsFields[c.Provider]
	if !ok {
		return fieldErr("dns_provider", "no DNS provider is chosen")
	}
	if c.ZoneID == "" {
		return fieldErr(f.zoneID, "no DNS zone is selected: choose one in Settings → DNS")
	}
	return c.CredentialsReady()
}

// zoneIDField is the field that chooses the zone.
func (c DNSConfig) zoneIDField() string {
	if f, ok := dnsFields[c.Provider]; ok {
		return f.zoneID
	}
	return "dns_provider"
}

// ForCleanup returns s set to the provider, zone and credentials of an
// earlier configuration, to remove its records with.
func (s Settings) ForCleanup(c DNSCleanup) Settings {
	s.WildcardDNS, s.DNSProvider = false, c.Provider
	if c.Provider == ProviderCloudflare {
		s.CloudflareZoneID, s.CloudflareZoneName = c.ZoneID, c.ZoneName
		s.CloudflareAPIToken = c.Credentials["cloudflare_api_token"]
	}
	return s
}

// CleanupAfter decides what a settings change means for the records of the
// old configuration: when it managed a zone that the new one does not, the
// old zone's records must go, and keep is what removes them. A token change
// alone keeps the zone, and so its records.
func CleanupAfter(old, updated Settings) (keep *DNSCleanup) {
	o := old.DNS()
	if !o.Managed() || o.Target() == updated.DNS().Target() {
		return nil
	}
	return &DNSCleanup{DNSTarget: o.Target(), ZoneName: old.DNSZoneName(), Credentials: o.Credentials}
}

// CheckZone reports whether the zone the settings write into is the zone
// the provider has under their zone id, named actual: every name the
// settings call in the zone must be in it, or records would be written
// under names nobody meant.
func (s Settings) CheckZone(actual string) error {
	actual = strings.ToLower(strings.TrimSuffix(actual, "."))
	c := s.DNS()
	if zone := s.DNSZoneName(); zone == "" || !dnsname.InZone(zone, actual) {
		return fieldErr(c.zoneIDField(), fmt.Sprintf("the zone id %s is the zone %q at the provider, not %q: choose the zone again in Settings → DNS",
			c.ZoneID, actual, zone))
	}
	return nil
}

// WithZoneName returns s with the zone's name as the provider gives it.
// given is the name the client sent ("" for none): one that differs is a
// field error, and so, when DNS is managed, is a domain outside the zone.
func (s Settings) WithZoneName(actual, given string) (Settings, error) {
	actual = strings.ToLower(strings.TrimSuffix(actual, "."))
	c := s.DNS()
	if given = strings.ToLower(strings.TrimSuffix(given, ".")); given != "" && given != actual {
		return s, fieldErr(c.zoneIDField(), fmt.Sprintf("the zone id %s is the zone %q at the provider, not %q", c.ZoneID, actual, given))
	}
	if s.DNSProvider == ProviderCloudflare {
		s.CloudflareZoneName = actual
	}
	if c.Managed() && s.Domain != "" && !dnsname.InZone(s.Domain, actual) {
		return s, fieldErr(c.zoneIDField(), fmt.Sprintf("the domain %q is not in the zone %q: choose the zone that holds it", s.Domain, actual))
	}
	return s, nil
}

// GivenZoneName is the zone name a patch sends ("" for none): it is checked
// against the provider's, never taken as it is.
func (p SettingsPatch) GivenZoneName() string {
	if p.CloudflareZoneName != nil {
		return *p.CloudflareZoneName
	}
	return ""
}

// DNSPatch is the part of a settings change that names a provider and its
// credentials: what a connection test may try before it is saved.
type DNSPatch struct {
	DNSProvider        *string `json:"dns_provider"`
	CloudflareAPIToken *string `json:"cloudflare_api_token"`
	CloudflareZoneID   *string `json:"cloudflare_zone_id"`
}

// Settings is the patch as a settings change.
func (p DNSPatch) Settings() SettingsPatch {
	return SettingsPatch{DNSProvider: p.DNSProvider, CloudflareAPIToken: p.CloudflareAPIToken, CloudflareZoneID: p.CloudflareZoneID}
}
