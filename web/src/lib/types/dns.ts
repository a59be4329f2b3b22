import type { DnsProvider } from './settings';

/** One zone of GET /api/dns/zones (the zone selector). */
export interface DnsZone {
	id: string;
	name: string;
	status: string;
}

/**
 * The body of POST /api/dns/test: every field is optional; the ones given
 * are tested instead of the stored ones (a token can be tested before it is
 * saved).
 */
export interface DnsTestRequest {
	dns_provider?: DnsProvider;
	cloudflare_api_token?: string;
	cloudflare_zone_id?: string;
}

/** One check of a connection test ("token", "zone", "dns_read", "dns_edit", …). */
export interface DnsTestCheck {
	name: string;
	ok: boolean;
	message: string;
}

/** The answer of POST /api/dns/test. */
export interface DnsTestResult {
	ok: boolean;
	provider: DnsProvider | string;
	zone_name: string;
	checks: DnsTestCheck[];
}

/** Wildcard: a `*.domain` record covers every name; managed: one record per consumer at the provider. */
export type DnsMode = 'wildcard' | 'managed';

/** The states of a record of GET /api/dns/records, as docs/api.md lists them. */
export const DNS_RECORD_STATES = [
	'synced',
	'pending',
	'grace',
	'deleting',
	'orphan',
	'conflict',
	'error',
	'outside_zone',
	'wildcard',
	'earlier_zone'
] as const;

export type DnsRecordState = (typeof DNS_RECORD_STATES)[number];

/** What needs the name: a running instance with a proxy route, or a standalone proxy. */
export type DnsConsumerKind = 'instance' | 'proxy';

/** One expected or owned record of GET /api/dns/records. */
export interface DnsRecord {
	fqdn: string;
	type: string;
	content: string;
	state: DnsRecordState | string;
	/** ui: the settings' ui_domain; "" when no consumer needs the record any more (an orphan). */
	consumer_kind: DnsConsumerKind | 'ui' | '';
	consumer_id: number;
	consumer_name: string;
	/** The provider's message of the last failed attempt; "" when none. */
	last_error: string;
	last_synced_at: string | null;
	/** Docker Watcher tracks the record at the provider (only those can be deleted here). */
	owned: boolean;
	/** State earlier_zone only: the name of the earlier zone the record is left in ("" when unknown). */
	zone_name?: string;
}

/** What a sync does (or, in a dry run, would do) with one record. */
export type DnsSyncAction = 'create' | 'update' | 'delete' | 'in_sync' | 'conflict' | 'outside_zone' | 'error';

/** One record line of a sync report. */
export interface DnsSyncLine {
	fqdn: string;
	type: string;
	content: string;
	action: DnsSyncAction | string;
	/** The provider's message or why nothing was done; "" when none. */
	error: string;
}

/** The answer of POST /api/dns/sync and (dry_run true) GET /api/dns/plan. */
export interface DnsSyncReport {
	mode: DnsMode;
	provider: DnsProvider | string;
	zone_name: string;
	dry_run: boolean;
	started_at: string;
	created: number;
	updated: number;
	deleted: number;
	already_synced: number;
	conflicts: number;
	errors: number;
	api_calls: number;
	duration_ms: number;
	records: DnsSyncLine[] | null;
}

/** The answer of GET /api/dns/records. */
export interface DnsRecordList {
	mode: DnsMode;
	provider: DnsProvider | string;
	zone_name: string;
	/** The last sync's report; null before the first one. */
	last_sync: DnsSyncReport | null;
	records: DnsRecord[] | null;
	/** Earlier zones whose records Docker Watcher still has to remove; not narrowed by the filters. */
	cleanups: DnsCleanup[] | null;
}

/**
 * A zone of an earlier configuration (zone, provider or mode) that still holds
 * records Docker Watcher created; a sync removes them first, with the
 * credentials kept for that zone.
 */
export interface DnsCleanup {
	provider: DnsProvider | string;
	zone_id: string;
	/** "" when the name is not known; show the id then. */
	zone_name: string;
	/** How many records are left there. */
	records: number;
	/** Why the last removal failed; "" when none. */
	last_error: string;
	/**
	 * When the zone was left or its removal last tried (RFC 3339): a change
	 * means a try ended. Null when no credentials were kept for the zone.
	 */
	updated_at: string | null;
}

/** The filters of GET /api/dns/records; empty ones are left out. */
export interface DnsRecordFilter {
	/** Matches the FQDN or the consumer's name. */
	q?: string;
	state?: DnsRecordState | '';
	kind?: DnsConsumerKind | '';
}

/** The answer of DELETE /api/dns/records/{fqdn}. */
export interface DnsDeleteResult {
	deleted: { fqdn: string; type: string }[];
}
