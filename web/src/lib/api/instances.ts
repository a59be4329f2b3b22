import type { Instance } from '$lib/types/instance';
import { api } from './client';

const base = '/api/instances';

export function listInstances(): Promise<Instance[]> {
	return api.get<Instance[]>(base);
}

export function getInstance(id: number): Promise<Instance> {
	return api.get<Instance>(`${base}/${id}`);
}
