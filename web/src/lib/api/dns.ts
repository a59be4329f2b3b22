import type {
	DnsDeleteResult,
	DnsRecordFilter,
	DnsRecordList,
	DnsSyncReport,
	DnsTestRequest,
	DnsTestResult,
	DnsZone
} from '$lib/types/dns';
import { api, request, type RequestOptions } from './client';

/**
 * Check the DNS provider's credentials and zone access without changing the
 * zone. Fields given in `request` are tested instead of the stored ones.
 */
export function testDns(request: DnsTestRequest = {}, options?: RequestOptions): Promise<DnsTestResult> {
	return api.post<DnsTestResult>('/api/dns/test', request, options);
}

/** The zones the stored token can see, optionally filtered by a name fragment. */
export function listZones(name = '', options?: RequestOptions): Promise<DnsZone[]> {
	const query = name.trim() ? `?name=${encodeURIComponent(name.trim())}` : '';
	return api.get<DnsZone[]>(`/api/dns/zones${query}`, options);
}

/** The query string of GET /api/dns/records: "" without filters, else "?q=…&state=…&kind=…". */
export function recordsQuery(filter: DnsRecordFilter = {}): string {
	const params = new URLSearchParams();
	const q = filter.q?.trim();
	if (q) params.set('q', q);
	if (filter.state) params.set('state', filter.state);
	if (filter.kind) params.set('kind', filter.kind);
	const query = params.toString();
	return query ? `?${query}` : '';
}

/**
 * Every expected and every owned record with its state, and the last sync's
 * report; the provider is not called.
 */
export function listRecords(filter: DnsRecordFilter = {}, options?: RequestOptions): Promise<DnsRecordList> {
	return api.get<DnsRecordList>(`/api/dns/records${recordsQuery(filter)}`, options);
}

/** A dry run: the report of what a sync would do; nothing is changed. */
export function planSync(options?: RequestOptions): Promise<DnsSyncReport> {
	return api.get<DnsSyncReport>('/api/dns/plan', options);
}

/** Reconcile the provider with the consumers now. */
export function syncNow(options?: RequestOptions): Promise<DnsSyncReport> {
	return api.post<DnsSyncReport>('/api/dns/sync', undefined, options);
}

/**
 * Delete the owned records (A and AAAA) of `fqdn` at the provider and from
 * the table. A consumer that still exists gets its record back at the next
 * sync.
 */
export function deleteRecord(fqdn: string, options?: RequestOptions): Promise<DnsDeleteResult> {
	return request<DnsDeleteResult>('DELETE', `/api/dns/records/${encodeURIComponent(fqdn)}`, undefined, options);
}
