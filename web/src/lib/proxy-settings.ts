/** Pure logic of the proxy settings form: settings ⇄ form values, the NPM test. */

import type { Router } from './types/proxy';
import type { NpmTestRequest, NpmTestResult, Settings, SettingsUpdate } from './types/settings';

/** How many trusted proxies the API takes. */
export const TRUSTED_PROXIES_MAX = 64;

/** The values of the proxy settings form. */
export interface ProxyFormValues {
	router: Router;
	npmUrl: string;
	npmEmail: string;
	/** A new password as typed; "" keeps the stored one. Never the stored password (the API never returns it). */
	npmPassword: string;
	/** Remove the stored password on save. */
	clearNpmPassword: boolean;
	npmForwardHost: string;
	/** The textarea: one CIDR or address a line. */
	trustedProxies: string;
	accessLog: boolean;
}

/** The form's values for stored settings (no password: the API never returns it). */
export function proxyFormFromSettings(s: Settings): ProxyFormValues {
	return {
		router: s.proxy_provider === 'npm' ? 'npm' : 'builtin',
		npmUrl: s.npm_url,
		npmEmail: s.npm_email,
		npmPassword: '',
		clearNpmPassword: false,
		npmForwardHost: s.npm_forward_host,
		trustedProxies: trustedProxiesText(s.trusted_proxies),
		accessLog: s.proxy_access_log
	};
}

/** The textarea's lines as the API's list: each trimmed, blank ones left out. */
export function trustedProxiesList(text: string): string[] {
	return text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '');
}

/** The API's list as the textarea's text: one entry a line. */
export function trustedProxiesText(list: readonly string[] | null | undefined): string {
	return (list ?? []).join('\n');
}

/** The password to send, if any: a new one as typed, "" to clear, undefined to keep the stored one. */
export function npmPasswordToSend(v: Pick<ProxyFormValues, 'npmPassword' | 'clearNpmPassword'>): string | undefined {
	// A password is sent as typed: spaces may be part of it.
	if (v.npmPassword !== '') return v.npmPassword;
	if (v.clearNpmPassword) return '';
	return undefined;
}

/**
 * POST /api/proxy/test for the NPM fields as typed (saved or not); the
 * stored password unless one is typed. A save sends the same fields.
 */
export function npmTestRequest(v: ProxyFormValues): NpmTestRequest {
	const fields: NpmTestRequest = {
		npm_url: v.npmUrl.trim(),
		npm_email: v.npmEmail.trim(),
		npm_forward_host: v.npmForwardHost.trim()
	};
	const password = npmPasswordToSend(v);
	if (password !== undefined) fields.npm_password = password;
	return fields;
}

/**
 * PUT /api/settings for the proxy section: only its fields, so that the
 * other settings stay as they are. With the built-in proxy chosen, the NPM
 * fields (hidden then) are left out: the stored ones are kept for later.
 * The password only when one was typed (or "" when the user clears it).
 */
export function proxySettingsUpdate(v: ProxyFormValues): SettingsUpdate {
	const update: SettingsUpdate = {
		proxy_provider: v.router,
		trusted_proxies: trustedProxiesList(v.trustedProxies),
		proxy_access_log: v.accessLog
	};
	if (v.router === 'npm') Object.assign(update, npmTestRequest(v));
	return update;
}

/** Whether saving the form would change the settings (to tell whether there is anything to save). */
export function proxyFormChanged(v: ProxyFormValues, s: Settings): boolean {
	const u = proxySettingsUpdate(v);
	const trusted = u.trusted_proxies ?? [];
	const stored = s.trusted_proxies ?? [];
	if (
		u.proxy_provider !== (s.proxy_provider === 'npm' ? 'npm' : 'builtin') ||
		u.proxy_access_log !== s.proxy_access_log ||
		trusted.length !== stored.length ||
		trusted.some((t, i) => t !== stored[i])
	) {
		return true;
	}
	if (v.router !== 'npm') return false;
	return (
		u.npm_password !== undefined ||
		u.npm_url !== s.npm_url ||
		u.npm_email !== s.npm_email ||
		u.npm_forward_host !== s.npm_forward_host
	);
}

export interface NpmTestView {
	ok: boolean;
	/** One line for the whole test: "Connection works." or "Connection failed." */
	headline: string;
	/** NPM's answer (the hosts the account sees) or why it failed. */
	message: string;
}

/** The outcome of a connection test to NPM. */
export function npmTestView(result: NpmTestResult): NpmTestView {
	const message = result.message?.trim() ?? '';
	if (!result.ok) return { ok: false, headline: 'Connection failed.', message: message || 'Nginx Proxy Manager gave no reason.' };
	const n = result.hosts;
	return { ok: true, headline: 'Connection works.', message: message || `The account sees ${n} proxy ${n === 1 ? 'host' : 'hosts'}.` };
}
