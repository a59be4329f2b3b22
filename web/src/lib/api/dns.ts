import type { DnsTestRequest, DnsTestResult, DnsZone } from '$lib/types/dns';
import { api, type RequestOptions } from './client';

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
