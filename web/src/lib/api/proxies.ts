import type { Proxy, ProxyInput, RouteCheck } from '$lib/types/proxy';
import { api, type RequestOptions } from './client';

const base = '/api/proxies';

export function listProxies(): Promise<Proxy[]> {
	return api.get<Proxy[]>(base);
}

export function getProxy(id: number): Promise<Proxy> {
	return api.get<Proxy>(`${base}/${id}`);
}

export function createProxy(input: ProxyInput): Promise<Proxy> {
	return api.post<Proxy>(base, input);
}

/** PUT takes the whole object. */
export function updateProxy(id: number, input: ProxyInput): Promise<Proxy> {
	return api.put<Proxy>(`${base}/${id}`, input);
}

export function deleteProxy(id: number): Promise<void> {
	return api.del(`${base}/${id}`);
}

/**
 * Ask whether the proxy's route answers: through the built-in proxy when it
 * routes, else (NPM) at the target itself. A route that does not answer is
 * `answers: false`, not an error.
 */
export function checkProxy(id: number, options?: RequestOptions): Promise<RouteCheck> {
	return api.post<RouteCheck>(`${base}/${id}/check`, undefined, options);
}
