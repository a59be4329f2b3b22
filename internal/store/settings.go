package store

import (
	"context"
	"database/sql"

	"github.com/dockerwatcher/docker-watcher/internal/model"
)

const settingsColumns = `installation_id, domain, public_ipv4, public_ipv6, wildcard_dns, dns_provider,
	cloudflare_api_token, cloudflare_zone_id, cloudflare_zone_name, dns_ttl, cloudflare_proxied,
	dns_delete_grace_seconds, dns_sync_interval_seconds,
	proxy_provider, npm_url, npm_email, npm_password, npm_forward_host, trusted_proxies, proxy_access_log,
	docker_publish_address, deploy_timeout_seconds, drain_timeout_seconds, registry_webhook_secret,
	acme_enabled, acme_email, acme_directory_url, https_redirect, hsts, ui_domain`

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readSettings(ctx context.Context, q querier) (model.Settings, error) {
	var s model.Settings
	err := q.QueryRowContext(ctx, "SELECT "+settingsColumns+" FROM settings WHERE id = 1").Scan(
		&s.InstallationID, &s.Domain, &s.PublicIPv4, &s.PublicIPv6, &s.WildcardDNS, &s.DNSProvider,
		&s.CloudflareAPIToken, &s.CloudflareZoneID, &s.CloudflareZoneName, &s.DNSTTL, &s.CloudflareProxied,
		&s.DNSDeleteGraceSeconds, &s.DNSSyncIntervalSeconds,
		&s.ProxyProvider, &s.NPMURL, &s.NPMEmail, &s.NPMPassword, &s.NPMForwardHost, &s.TrustedProxies, &s.ProxyAccessLog,
		&s.DockerPublishAddress, &s.DeployTimeoutSeconds, &s.DrainTimeoutSeconds, &s.RegistryWebhookSecret,
		&s.ACMEEnabled, &s.ACMEEmail, &s.ACMEDirectoryURL, &s.HTTPSRedirect, &s.HSTS, &s.UIDomain)
	return s, mapErr(err)
}

// Settings reads the settings.
func (s *Store) Settings(ctx context.Context) (model.Settings, error) {
	return readSettings(ctx, s.db)
}

// UpdateSettings reads the settings, lets change return the new value and
// writes it, all in one transaction; an error from change writes nothing.
// It returns the old and the new settings. When the change leaves a zone
// that DNS managed, that zone's provider and credentials are kept in the
// same transaction, so its records can be removed whatever happens next;
// a zone that is managed again is no longer to be cleaned up.
func (s *Store) UpdateSettings(ctx context.Context, change func(model.Settings) (model.Settings, error)) (old, updated model.Settings, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if old, err = readSettings(ctx, tx); err != nil {
			return err
		}
		if updated, err = change(old); err != nil {
			return err
		}
		updated.InstallationID = old.InstallationID // never changes
		_, err = tx.ExecContext(ctx, `UPDATE settings SET domain = ?, public_ipv4 = ?, public_ipv6 = ?,
			wildcard_dns = ?, dns_provider = ?, cloudflare_api_token = ?, cloudflare_zone_id = ?,
			cloudflare_zone_name = ?, dns_ttl = ?, cloudflare_proxied = ?, dns_delete_grace_seconds = ?,
			dns_sync_interval_seconds = ?, proxy_provider = ?, npm_url = ?, npm_email = ?, npm_password = ?,
			npm_forward_host = ?, trusted_proxies = ?, proxy_access_log = ?, docker_publish_address = ?,
			deploy_timeout_seconds = ?, drain_timeout_seconds = ?, registry_webhook_secret = ?, acme_enabled = ?,
			acme_email = ?, acme_directory_url = ?, https_redirect = ?, hsts = ?, ui_domain = ?, updated_at = ? WHERE id = 1`,
			updated.Domain, updated.PublicIPv4, updated.PublicIPv6, updated.WildcardDNS, updated.DNSProvider,
			updated.CloudflareAPIToken, updated.CloudflareZoneID, updated.CloudflareZoneName, updated.DNSTTL,
			updated.CloudflareProxied, updated.DNSDeleteGraceSeconds, updated.DNSSyncIntervalSeconds,
			updated.ProxyProvider, updated.NPMURL, updated.NPMEmail, updated.NPMPassword, updated.NPMForwardHost,
			updated.TrustedProxies, updated.ProxyAccessLog, updated.DockerPublishAddress, updated.DeployTimeoutSeconds,
			updated.DrainTimeoutSeconds, updated.RegistryWebhookSecret, updated.ACMEEnabled, updated.ACMEEmail,
			updated.ACMEDirectoryURL, updated.HTTPSRedirect, updated.HSTS, updated.UIDomain, s.now())
		if err != nil {
			return mapErr(err)
		}
		if c := model.CleanupAfter(old, updated); c != nil {
			if err := putDNSCleanup(ctx, tx, *c, s.now()); err != nil {
				return err
			}
		}
		if t := updated.DNS().Target(); t.Provider != "" {
			_, err = tx.ExecContext(ctx, "DELETE FROM dns_cleanups WHERE provider = ? AND zone_id = ?", t.Provider, t.ZoneID)
		}
		return err
	})
	return old, updated, err
}
