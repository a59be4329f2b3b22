/** Test data factories: a valid object with overrides. */
import { afterEach, beforeEach, vi } from 'vitest';
import type { Certificate } from '$lib/types/certificate';
import type { DnsRecord, DnsRecordList, DnsSyncReport } from '$lib/types/dns';
import type { Instance } from '$lib/types/instance';
import type { Proxy } from '$lib/types/proxy';
import type { Settings } from '$lib/types/settings';
import type { ApiToken } from '$lib/types/token';

const time = '2026-11-27T21:00:00Z';

export function makeProxy(overrides: Partial<Proxy> = {}): Proxy {
	return {
		id: 1,
		domain: 'app.example.org',
		forward_scheme: 'http',
		forward_host: '127.0.0.1',
		forward_port: 3000,
		proxy_route_id: 1,
		route: { router: 'builtin', state: 'active', url: 'http://app.example.org:8081/' },
		created_at: time,
		updated_at: time,
		...overrides
	};
}

export function makeInstance(overrides: Partial<Instance> = {}): Instance {
	return {
		id: 1,
		app_id: 1,
		tag: 'v1.2.0',
		digest: 'sha256:0000',
		subdomain: 'web',
		fqdn: 'web.example.com',
		status: 'running',
		host_port: 32768,
		container_id: 'abc123',
		proxy_route_id: 1,
		route: { router: 'builtin', state: 'active', url: 'http://web.example.com:8081/' },
		last_error: '',
		image_id: 'sha256:1111',
		previous_digest: '',
		failed_digest: '',
		can_rollback: false,
		status_changed_at: time,
		created_at: time,
		updated_at: time,
		...overrides
	};
}

export function makeToken(overrides: Partial<ApiToken> = {}): ApiToken {
	return { id: 1, name: 'ci', prefix: 'dw_ab12', scope: 'full', created_at: time, expires_at: null, last_used_at: null, ...overrides };
}

export function makeSettings(overrides: Partial<Settings> = {}): Settings {
	return {
		domain: 'example.com',
		public_ipv4: '203.0.113.10',
		public_ipv6: '',
		wildcard_dns: true,
		dns_provider: '',
		cloudflare_api_token_set: false,
		cloudflare_zone_id: '',
		cloudflare_zone_name: '',
		dns_ttl: 1,
		cloudflare_proxied: false,
		dns_delete_grace_seconds: 600,
		dns_sync_interval_seconds: 600,
		proxy_provider: 'builtin',
		npm_url: '',
		npm_email: '',
		npm_password_set: false,
		npm_forward_host: '',
		trusted_proxies: [],
		proxy_access_log: false,
		docker_publish_address: '127.0.0.1',
		deploy_timeout_seconds: 60,
		drain_timeout_seconds: 30,
		registry_webhook_secret_set: false,
		acme_enabled: true,
		acme_email: '',
		acme_directory_url: 'https://acme-v02.api.letsencrypt.org/directory',
		https_redirect: true,
		hsts: false,
		ui_domain: '',
		dns_cleanups: [],
		...overrides
	};
}

export function makeCertificate(overrides: Partial<Certificate> = {}): Certificate {
	return {
		names: ['*.example.com', 'example.com'],
		challenge: 'dns-01',
		issuer: "Let's Encrypt",
		not_before: '2026-11-27T21:00:00Z',
		not_after: '2027-02-25T21:00:00Z',
		state: 'valid',
		last_error: '',
		renewal_at: '2027-01-26T21:00:00Z',
		last_attempt_at: null,
		...overrides
	};
}

export function makeDnsRecord(overrides: Partial<DnsRecord> = {}): DnsRecord {
	return {
		fqdn: 'app.example.com',
		type: 'A',
		content: '203.0.113.10',
		state: 'synced',
		consumer_kind: 'proxy',
		consumer_id: 3,
		consumer_name: 'app.example.com',
		last_error: '',
		last_synced_at: time,
		owned: true,
		...overrides
	};
}

export function makeSyncReport(overrides: Partial<DnsSyncReport> = {}): DnsSyncReport {
	return {
		mode: 'managed',
		provider: 'cloudflare',
		zone_name: 'example.com',
		dry_run: false,
		started_at: time,
		created: 0,
		updated: 0,
		deleted: 0,
		already_synced: 0,
		conflicts: 0,
		errors: 0,
		api_calls: 0,
		duration_ms: 0,
		records: [],
		...overrides
	};
}

export function makeRecordList(overrides: Partial<DnsRecordList> = {}): DnsRecordList {
	return {
		mode: 'managed',
		provider: 'cloudflare',
		zone_name: 'example.com',
		last_sync: null,
		records: [makeDnsRecord()],
		cleanups: [],
		...overrides
	};
}

/** A Response with a JSON body. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return new Response(status === 204 ? null : JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json', ...headers }
	});
}

/**
 * A fetch mock in place of the global fetch for each test of the file,
 * reset before each; call it at the top level of the file.
 */
export function mockFetch() {
	const fetchMock = vi.fn<typeof fetch>();
	beforeEach(() => {
		fetchMock.mockReset();
		vi.stubGlobal('fetch', fetchMock);
	});
	afterEach(() => {
		vi.unstubAllGlobals();
	});
	return fetchMock;
}
