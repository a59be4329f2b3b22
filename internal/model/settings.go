package model

import (
	"fmt"
	"net/netip"
	"strings"

	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// DNS providers Docker Watcher knows. "" means none (wildcard DNS only).
const (
	ProviderNone       = ""
	ProviderCloudflare = "cloudflare"
)

// Settings are the run-time settings, one row in the store.
type Settings struct {
	InstallationID     string // generated once; marks DNS records as ours
	Domain             string
	PublicIPv4         string
	PublicIPv6         string
	WildcardDNS        bool
	DNSProvider        string
	CloudflareAPIToken string // secret: never returned, never logged
	CloudflareZoneID   string
	CloudflareZoneName string
	DNSTTL             int
	CloudflareProxied  bool
	// A stopped instance keeps its record this long; 0 deletes at once.
	DNSDeleteGraceSeconds  int
	DNSSyncIntervalSeconds int // periodic sync

	ProxyProvider  string // RouterBuiltin or RouterNPM
	NPMURL         string
	NPMEmail       string
	NPMPassword    string // secret: never returned, never logged
	NPMForwardHost string
	TrustedProxies string // comma-separated CIDRs, canonical
	ProxyAccessLog bool

	DockerPublishAddress  string // the address container ports are published on
	DeployTimeoutSeconds  int    // a deploy must be healthy within it
	DrainTimeoutSeconds   int    // in-flight requests to a replaced container may take this long
	RegistryWebhookSecret string // secret: never returned, never logged

	// Certificates and HTTPS of the built-in proxy; read through ACME().
	ACMEEnabled      bool   // certificates are obtained once a domain is set
	ACMEEmail        string // the CA's contact; "" for none
	ACMEDirectoryURL string // "": Let's Encrypt's production directory
	HTTPSRedirect    bool
	HSTS             bool
	UIDomain         string // where the built-in proxy serves the UI and API over HTTPS
}

// SettingsPatch is a change to Settings: nil fields keep their value.
type SettingsPatch struct {
	Domain             *string `json:"domain"`
	PublicIPv4         *string `json:"public_ipv4"`
	PublicIPv6         *string `json:"public_ipv6"`
	WildcardDNS        *bool   `json:"wildcard_dns"`
	DNSProvider        *string `json:"dns_provider"`
	CloudflareAPIToken *string `json:"cloudflare_api_token"`
	CloudflareZoneID   *string `json:"cloudflare_zone_id"`
	CloudflareZoneName *string `json:"cloudflare_zone_name"`
	DNSTTL             *int    `json:"dns_ttl"`
	CloudflareProxied  *bool   `json:"cloudflare_proxied"`

	DNSDeleteGraceSeconds  *int `json:"dns_delete_grace_seconds"`
	DNSSyncIntervalSeconds *int `json:"dns_sync_interval_seconds"`

	ProxyProvider  *string   `json:"proxy_provider"`
	NPMURL         *string   `json:"npm_url"`
	NPMEmail       *string   `json:"npm_email"`
	NPMPassword    *string   `json:"npm_password"`
	NPMForwardHost *string   `json:"npm_forward_host"`
	TrustedProxies *[]string `json:"trusted_proxies"`
	ProxyAccessLog *bool     `json:"proxy_access_log"`

	DockerPublishAddress  *string `json:"docker_publish_address"`
	DeployTimeoutSeconds  *int    `json:"deploy_timeout_seconds"`
	DrainTimeoutSeconds   *int    `json:"drain_timeout_seconds"`
	RegistryWebhookSecret *string `json:"registry_webhook_secret"`

	ACMEEnabled      *bool   `json:"acme_enabled"`
	ACMEEmail        *string `json:"acme_email"`
	ACMEDirectoryURL *string `json:"acme_directory_url"`
	HTTPSRedirect    *bool   `json:"https_redirect"`
	HSTS             *bool   `json:"hsts"`
	UIDomain         *string `json:"ui_domain"`
}

// Apply returns s changed by p, normalised and validated. On error s is
// returned unchanged.
func (p SettingsPatch) Apply(s Settings) (Settings, error) {
	n := s
	Patch(&n.Domain, p.Domain)
	Patch(&n.PublicIPv4, p.PublicIPv4)
	Patch(&n.PublicIPv6, p.PublicIPv6)
	Patch(&n.WildcardDNS, p.WildcardDNS)
	Patch(&n.DNSProvider, p.DNSProvider)
	Patch(&n.CloudflareAPIToken, p.CloudflareAPIToken)
	Patch(&n.CloudflareZoneID, p.CloudflareZoneID)
	Patch(&n.CloudflareZoneName, p.CloudflareZoneName)
	Patch(&n.DNSTTL, p.DNSTTL)
	Patch(&n.CloudflareProxied, p.CloudflareProxied)
	Patch(&n.DNSDeleteGraceSeconds, p.DNSDeleteGraceSeconds)
	Patch(&n.DNSSyncIntervalSeconds, p.DNSSyncIntervalSeconds)
	Patch(&n.ProxyProvider, p.ProxyProvider)
	Patch(&n.NPMURL, p.NPMURL)
	Patch(&n.NPMEmail, p.NPMEmail)
	Patch(&n.NPMPassword, p.NPMPassword)
	Patch(&n.NPMForwardHost, p.NPMForwardHost)
	Patch(&n.ProxyAccessLog, p.ProxyAccessLog)
	Patch(&n.DockerPublishAddress, p.DockerPublishAddress)
	Patch(&n.DeployTimeoutSeconds, p.DeployTimeoutSeconds)
	Patch(&n.DrainTimeoutSeconds, p.DrainTimeoutSeconds)
	Patch(&n.RegistryWebhookSecret, p.RegistryWebhookSecret)
	Patch(&n.ACMEEnabled, p.ACMEEnabled)
	Patch(&n.ACMEEmail, p.ACMEEmail)
	Patch(&n.ACMEDirectoryURL, p.ACMEDirectoryURL)
	Patch(&n.HTTPSRedirect, p.HTTPSRedirect)
	Patch(&n.HSTS, p.HSTS)
	Patch(&n.UIDomain, p.UIDomain)
	if p.TrustedProxies != nil {
		for i, e := range *p.TrustedProxies {
			if _, err := ParsePrefixes(e); err != nil || strings.Contains(e, ",") {
				return s, fieldErr("trusted_proxies", fmt.Sprintf("trusted_proxies[%d]: %q is neither an address nor a CIDR", i, e))
			}
		}
		n.TrustedProxies = strings.Join(*p.TrustedProxies, ",")
	}
	if err := n.Normalize(); err != nil {
		return s, err
	}
	return n, nil
}

// Patch copies an optional field of a patch to dst when it was given
// (non-nil).
func Patch[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Normalize validates s and brings names and addresses to canonical form.
func (s *Settings) Normalize() error {
	if s.Domain != "" {
		d, err := dnsname.NormalizeName(s.Domain)
		if err != nil {
			return fieldErr("domain", "domain "+err.Error())
		}
		s.Domain = d
	}
	if s.PublicIPv4 != "" {
		a, err := netip.ParseAddr(s.PublicIPv4)
		if err != nil || !a.Is4() {
			return fieldErr("public_ipv4", fmt.Sprintf("%q is not an IPv4 address", s.PublicIPv4))
		}
		s.PublicIPv4 = a.String()
	}
	if s.PublicIPv6 != "" {
		a, err := netip.ParseAddr(s.PublicIPv6)
		if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return fieldErr("public_ipv6", fmt.Sprintf("%q is not an IPv6 address", s.PublicIPv6))
		}
		s.PublicIPv6 = a.String()
	}
	switch s.DNSProvider {
	case ProviderNone, ProviderCloudflare:
	default:
		return fieldErr("dns_provider", fmt.Sprintf("dns_provider %q is unknown (want \"\" or %q)", s.DNSProvider, ProviderCloudflare))
	}
	if s.DNSTTL != 1 && (s.DNSTTL < 60 || s.DNSTTL > 86400) {
		return fieldErr("dns_ttl", "dns_ttl must be 1 (automatic) or between 60 and 86400 seconds")
	}
	if g := s.DNSDeleteGraceSeconds; g < 0 || g > 7*86400 {
		return fieldErr("dns_delete_grace_seconds", "dns_delete_grace_seconds must be between 0 and 604800 (a week)")
	}
	if i := s.DNSSyncIntervalSeconds; i < 60 || i > 86400 {
		return fieldErr("dns_sync_interval_seconds", "dns_sync_interval_seconds must be between 60 and 86400")
	}
	if len(s.CloudflareAPIToken) > 1024 {
		return fieldErr("cloudflare_api_token", "cloudflare_api_token is too long")
	}
	if err := CheckCredential("cloudflare_api_token", s.CloudflareAPIToken); err != nil {
		return err
	}
	if s.CloudflareZoneID != "" && !isHex(s.CloudflareZoneID, 32) {
		return fieldErr("cloudflare_zone_id", "cloudflare_zone_id must be 32 hexadecimal characters")
	}
	if s.CloudflareZoneName != "" {
		z, err := dnsname.NormalizeName(s.CloudflareZoneName)
		if err != nil {
			return fieldErr("cloudflare_zone_name", "cloudflare_zone_name "+err.Error())
		}
		s.CloudflareZoneName = z
	}
	if err := s.normalizeDeploy(); err != nil {
		return err
	}
	if err := s.normalizeACME(); err != nil {
		return err
	}
	return s.normalizeProxy()
}

// Defaults of the deploy settings, also for a zero value.
const (
	DefaultPublishAddress       = "127.0.0.1"
	DefaultDeployTimeoutSeconds = 60
	DefaultDrainTimeoutSeconds  = 30
)

// normalizeDeploy validates how containers are deployed.
func (s *Settings) normalizeDeploy() error {
	if s.DockerPublishAddress != "" { // "": the default
		a, err := netip.ParseAddr(strings.Trim(s.DockerPublishAddress, "[]"))
		if err != nil || a.Zone() != "" {
			return fieldErr("docker_publish_address", fmt.Sprintf("docker_publish_address must be an IP address like 127.0.0.1 (got %q)", s.DockerPublishAddress))
		}
		s.DockerPublishAddress = a.Unmap().String()
	}
	if d := s.DeployTimeoutSeconds; d != 0 && (d < 5 || d > 3600) { // 0: the default
		return fieldErr("deploy_timeout_seconds", "deploy_timeout_seconds must be between 5 and 3600")
	}
	if d := s.DrainTimeoutSeconds; d < 0 || d > 3600 {
		return fieldErr("drain_timeout_seconds", "drain_timeout_seconds must be between 0 and 3600")
	}
	if w := s.RegistryWebhookSecret; w != "" && (len(w) < 16 || len(w) > 256) {
		return fieldErr("registry_webhook_secret", "registry_webhook_secret must be 16 to 256 characters (or empty: no webhook)")
	}
	return CheckCredential("registry_webhook_secret", s.RegistryWebhookSecret)
}

// PublishAddress is where container ports are published.
func (s Settings) PublishAddress() string {
	if s.DockerPublishAddress == "" {
		return DefaultPublishAddress
	}
	return s.DockerPublishAddress
}

// DeployTimeout is how long a deploy may take to become healthy.
func (s Settings) DeployTimeout() time.Duration {
	if s.DeployTimeoutSeconds == 0 {
		return DefaultDeployTimeoutSeconds * time.Second
	}
	return time.Duration(s.DeployTimeoutSeconds) * time.Second
}

// PublishTarget is where this host reaches a port published on the
// publish address: the address itself, or loopback for "any address".
func (s Settings) PublishTarget() string {
	a, err := netip.ParseAddr(s.PublishAddress())
	switch {
	case err != nil:
		return DefaultPublishAddress
	case a.IsUnspecified() && a.Is6():
		return "::1"
	case a.IsUnspecified():
		return DefaultPublishAddress
	}
	return a.String()
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// SettingsView is what the API answers for the settings: secrets only say
// whether they are set.
type SettingsView struct {
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

	ProxyProvider  string   `json:"proxy_provider"`
	NPMURL         string   `json:"npm_url"`
	NPMEmail       string   `json:"npm_email"`
	NPMPasswordSet bool     `json:"npm_password_set"`
	NPMForwardHost string   `json:"npm_forward_host"`
	TrustedProxies []string `json:"trusted_proxies"`
	ProxyAccessLog bool     `json:"proxy_access_log"`

	DockerPublishAddress     string `json:"docker_publish_address"`
	DeployTimeoutSeconds     int    `json:"deploy_timeout_seconds"`
	DrainTimeoutSeconds      int    `json:"drain_timeout_seconds"`
	RegistryWebhookSecretSet bool   `json:"registry_webhook_secret_set"`

	ACMEEnabled      bool   `json:"acme_enabled"`
	ACMEEmail        string `json:"acme_email"`
	ACMEDirectoryURL string `json:"acme_directory_url"`
	HTTPSRedirect    bool   `json:"https_redirect"`
	HSTS             bool   `json:"hsts"`
	UIDomain         string `json:"ui_domain"`
}

// View returns the settings as the API shows them, without secrets.
func (s Settings) View() SettingsView {
	return SettingsView{
		Domain: s.Domain, PublicIPv4: s.PublicIPv4, PublicIPv6: s.PublicIPv6, WildcardDNS: s.WildcardDNS,
		DNSProvider: s.DNSProvider, CloudflareAPITokenSet: s.CloudflareAPIToken != "",
		CloudflareZoneID: s.CloudflareZoneID, CloudflareZoneName: s.CloudflareZoneName,
		DNSTTL: s.DNSTTL, CloudflareProxied: s.CloudflareProxied,
		DNSDeleteGraceSeconds: s.DNSDeleteGraceSeconds, DNSSyncIntervalSeconds: s.DNSSyncIntervalSeconds,
		ProxyProvider: s.Proxy().Router, NPMURL: s.NPMURL, NPMEmail: s.NPMEmail, NPMPasswordSet: s.NPMPassword != "",
		NPMForwardHost: s.NPMForwardHost, TrustedProxies: prefixList(s.TrustedProxies), ProxyAccessLog: s.ProxyAccessLog,
		DockerPublishAddress: s.PublishAddress(), DeployTimeoutSeconds: int(s.DeployTimeout() / time.Second),
		DrainTimeoutSeconds: s.DrainTimeoutSeconds, RegistryWebhookSecretSet: s.RegistryWebhookSecret != "",
		ACMEEnabled: s.ACMEEnabled, ACMEEmail: s.ACMEEmail, ACMEDirectoryURL: s.DirectoryURL(),
		HTTPSRedirect: s.HTTPSRedirect, HSTS: s.HSTS, UIDomain: s.UIDomain,
	}
}

// Managed reports whether DNS records are written to a provider.
func (s Settings) Managed() bool { return s.DNS().Managed() }

// DNSZoneName is the name of the managed zone, falling back to the domain.
func (s Settings) DNSZoneName() string {
	if z := s.DNS().ZoneName; z != "" {
		return z
	}
	return s.Domain
}
