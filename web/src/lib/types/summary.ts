import type { DnsMode, DnsSyncReport } from './dns';

/** The instances by status. */
export interface InstanceCounts {
	total: number;
	running: number;
	deploying: number;
	stopped: number;
	failed: number;
}

/** Whether the DNS provider answered the last sync: none in wildcard mode, unknown before the first sync. */
export type ProviderState = 'ok' | 'error' | 'unknown' | 'none';

/** What the ACME CA gave: every certificate (ok), some still coming (pending), a failure (error), or HTTPS off. */
export type AcmeState = 'ok' | 'pending' | 'error' | 'off';

/** The DNS part of GET /api/summary. */
export interface DnsSummary {
	mode: DnsMode;
	provider: string;
	zone_name: string;
	/** The lines of GET /api/dns/records, and how many are in each state (states that occur only). */
	records: number;
	states: Record<string, number>;
	/** The last saved sync report without its lines; null before the first. */
	last_sync: Omit<DnsSyncReport, 'records'> | null;
	provider_state: ProviderState | string;
	/** Why provider_state is error: the last sync failed, or the provider refused a record. */
	last_error: string;
	last_error_at: string | null;
}

/** The certificates part of GET /api/summary. */
export interface CertificateSummary {
	enabled: boolean;
	total: number;
	states: Record<string, number>;
	/** In state expiring or error, or ending within 14 days. */
	expiring_soon: number;
	/** The earliest end of any; null when none has one. */
	next_expiry: string | null;
	acme: AcmeState | string;
	/** The first failing certificate's message. */
	last_error: string;
}

/** GET /api/summary: what the dashboard shows, from what the server knows (never the provider or the CA). */
export interface Summary {
	/** "" until it is set. */
	domain: string;
	apps: number;
	instances: InstanceCounts;
	proxies: number;
	/** As /healthz says: "ok" or "unreachable". */
	engine: 'ok' | 'unreachable' | string;
	dns: DnsSummary;
	certificates: CertificateSummary;
}
