import type { DnsCleanup } from './dns';
import type { Router } from './proxy';

/** GET /api/settings (secrets masked: only whether one is set). */
export interface Settings {
	domain: string;
	public_ipv4: string;
	public_ipv6: string;
	wildcard_dns: boolean;
	dns_provider: DnsProvider;
	cloudflare_api_token_set: boolean;
	cloudflare_zone_id: string;
	cloudflare_zone_name: string;
	dns_ttl: number;
	cloudflare_proxied: boolean;
	/** A stopped instance keeps its record this long (0 deletes at once). */
	dns_delete_grace_seconds: number;
	/** How often a sync runs by itself. */
	dns_sync_interval_seconds: number;
	proxy_provider: Router;
	/** Nginx Proxy Manager's address, e.g. "http://npm.internal:81". */
	npm_url: string;
	npm_email: string;
	npm_password_set: boolean;
	/** Where NPM reaches the ports instances publish; "" is 127.0.0.1. */
	npm_forward_host: string;
	/** CIDRs, canonical ("127.0.0.1" is answered "127.0.0.1/32"); X-Forwarded-* is kept only from these. */
	trusted_proxies: string[];
	proxy_access_log: boolean;
	/** Where container ports are published (an IP address). */
	docker_publish_address: string;
	/** How long a new container has to become healthy. */
	deploy_timeout_seconds: number;
	/** How long requests in flight to a replaced container may take. */
	drain_timeout_seconds: number;
	/** Whether the push webhook's secret is set (it is write-only). */
	registry_webhook_secret_set: boolean;
	/** Certificates are obtained once a domain is set too. */
	acme_enabled: boolean;
	/** The CA's contact; "" for none. */
	acme_email: string;
	/** The CA's ACME directory (Let's Encrypt production by default). */
	acme_directory_url: string;
	/** HTTP to a name with a certificate is redirected to HTTPS. */
	https_redirect: boolean;
	/** Strict-Transport-Security is sent over HTTPS. */
	hsts: boolean;
	/** Where the built-in proxy serves the UI and API over HTTPS, e.g. "dw.example.com"; "" for none. */
	ui_domain: string;
	/**
	 * Read-only: the zones of earlier DNS configurations that still hold
	 * records of ours. A save that left a managed zone answers it with all
	 * its records; the next sync removes them.
	 */
	dns_cleanups: DnsCleanup[];
}

export type DnsProvider = '' | 'cloudflare';

/** PUT /api/settings takes any subset of the writable fields. */
export interface SettingsUpdate {
	domain?: string;
	public_ipv4?: string;
	public_ipv6?: string;
	wildcard_dns?: boolean;
	dns_provider?: DnsProvider;
	cloudflare_api_token?: string;
	cloudflare_zone_id?: string;
	cloudflare_zone_name?: string;
	dns_ttl?: number;
	cloudflare_proxied?: boolean;
	dns_delete_grace_seconds?: number;
	dns_sync_interval_seconds?: number;
	proxy_provider?: Router;
	npm_url?: string;
	npm_email?: string;
	/** Write-only; left out keeps the stored one, "" clears it. */
	npm_password?: string;
	npm_forward_host?: string;
	/** At most 64 entries, each a CIDR or an address. */
	trusted_proxies?: string[];
	proxy_access_log?: boolean;
	docker_publish_address?: string;
	/** 5 to 3600. */
	deploy_timeout_seconds?: number;
	/** 0 to 3600. */
	drain_timeout_seconds?: number;
	/** Write-only, 16 to 256 characters; "" clears it. */
	registry_webhook_secret?: string;
	acme_enabled?: boolean;
	/** One bare address, or "" for none. */
	acme_email?: string;
	/** An https address; "" is the default (Let's Encrypt production). */
	acme_directory_url?: string;
	https_redirect?: boolean;
	hsts?: boolean;
	ui_domain?: string;
}

/**
 * The body of POST /api/proxy/test: the NPM fields as typed; the ones left
 * out are the stored ones.
 */
export interface NpmTestRequest {
	npm_url?: string;
	npm_email?: string;
	npm_password?: string;
	npm_forward_host?: string;
}

/** The answer of POST /api/proxy/test; ok false with NPM's refusal (or why it could not be reached) as the message. */
export interface NpmTestResult {
	ok: boolean;
	/** The proxy hosts the account sees. */
	hosts: number;
	message: string;
}
