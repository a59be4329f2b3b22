import type { Proxy, ProxyInput } from '$lib/types/proxy';
import { api } from './client';

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
