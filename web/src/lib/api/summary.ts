import type { Summary } from '$lib/types/summary';
import { api, type RequestOptions } from './client';

/** The dashboard's counts and states in one call; the server asks neither the DNS provider nor the CA. */
export function getSummary(options?: RequestOptions): Promise<Summary> {
	return api.get<Summary>('/api/summary', options);
}
