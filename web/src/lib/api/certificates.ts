import type { CertificateList, RenewStarted } from '$lib/types/certificate';
import { api, type RequestOptions } from './client';

/** The built-in proxy's certificates and whether they are obtained at all. */
export function listCertificates(options?: RequestOptions): Promise<CertificateList> {
	return api.get<CertificateList>('/api/certificates', options);
}

/** Obtain or renew every certificate now; it runs in the background (202). */
export function renewCertificates(): Promise<RenewStarted> {
	return api.post<RenewStarted>('/api/certificates/renew');
}
