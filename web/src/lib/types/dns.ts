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
