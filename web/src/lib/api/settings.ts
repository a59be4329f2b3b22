import type { Settings, SettingsUpdate } from '$lib/types/settings';
import { api } from './client';

export function getSettings(): Promise<Settings> {
	return api.get<Settings>('/api/settings');
}

/** Change some settings; fields left out keep their stored value. */
export function updateSettings(update: SettingsUpdate): Promise<Settings> {
	return api.put<Settings>('/api/settings', update);
}
