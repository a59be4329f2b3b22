import type { App, AppInput } from '$lib/types/app';
import { api } from './client';

const base = '/api/apps';

export function listApps(): Promise<App[]> {
	return api.get<App[]>(base);
}

export function getApp(id: number): Promise<App> {
	return api.get<App>(`${base}/${id}`);
}

export function createApp(input: AppInput): Promise<App> {
	return api.post<App>(base, input);
}

export function updateApp(id: number, input: AppInput): Promise<App> {
	return api.put<App>(`${base}/${id}`, input);
}

/** Refused with 409 while the app has instances. */
export function deleteApp(id: number): Promise<void> {
	return api.del(`${base}/${id}`);
}
