import type { NpmTestRequest, NpmTestResult, Settings, SettingsUpdate } from '$lib/types/settings';
import { api, type RequestOptions } from './client';

export function getSettings(): Promise<Settings> {
	return api.get<Settings>('/api/settings');
}

/** Change some settings; fields left out keep their stored value. */
export function updateSettings(update: SettingsUpdate): Promise<Settings> {
	return api.put<Settings>('/api/settings', update);
}

/**
 * Log in to Nginx Proxy Manager and count the proxy hosts the account sees;
 * nothing is changed. Fields given in `request` are tested instead of the
 * stored ones. NPM refusing, or not answering, is `ok: false` with its
 * message; invalid input is a 400 naming the field.
 */
export function testNpm(request: NpmTestRequest = {}, options?: RequestOptions): Promise<NpmTestResult> {
	return api.post<NpmTestResult>('/api/proxy/test', request, options);
}
