import type { App, AppInput, AppTags } from '$lib/types/app';
import { api, type RequestOptions } from './client';

const base = '/api/apps';

export function listApps(options?: RequestOptions): Promise<App[]> {
	return api.get<App[]>(base, options);
}

export function getApp(id: number, options?: RequestOptions): Promise<App> {
	return api.get<App>(`${base}/${id}`, options);
}

/** A bad field is a 400 naming it (`env.KEY`, `volumes.NAME` for a row); a taken name a 409 naming `name`. */
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

/**
 * The tags of the app's repository that its pattern matches, newest-looking
 * first, read from the registry now. A registry that fails or does not
 * answer is a 502 whose message names it.
 */
export function appTags(id: number, options?: RequestOptions): Promise<AppTags> {
	return api.get<AppTags>(`${base}/${id}/tags`, options);
}
