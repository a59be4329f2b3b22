import type { Health } from '$lib/types/health';
import { api, type RequestOptions } from './client';

/** GET /healthz (no authentication): the server, its database and whether the Docker Engine answers. */
export function getHealth(options: RequestOptions = {}): Promise<Health> {
	return api.get<Health>('/healthz', { noAuthRedirect: true, ...options });
}
