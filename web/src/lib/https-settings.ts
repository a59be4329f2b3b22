/** Pure logic of the certificate settings form: settings ⇄ form values, the ACME directory. */

import type { Settings, SettingsUpdate } from './types/settings';

/** Let's Encrypt's ACME directories (as the API's model has them). */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** Which CA a directory is: one of Let's Encrypt's, or another one (e.g. a CA of a company, or Pebble). */
export type DirectoryKind = 'production' | 'staging' | 'custom';

/** What each kind of directory gives, for the hint under the field. */
export const DIRECTORY_NOTES: Record<DirectoryKind, string> = {
	production: "Let's Encrypt: certificates every browser trusts.",
	staging:
		"Let's Encrypt staging: certificates browsers do not trust, under far higher rate limits. For trying a set-up out; switch to production once it works.",
	custom: 'Another ACME CA: its certificates are as trusted as that CA is.'
};

/**
 * The kind of a directory URL as typed. The API's rules apply: white space
 * around it and the case of scheme and host do not count, and "" is the
 * default, Let's Encrypt production.
 */
export function directoryKind(url: string): DirectoryKind {
	const typed = url.trim();
	if (typed === '') return 'production';
	let href: string;
	try {
		href = new URL(typed).href;
	} catch {
		return 'custom';
	}
	if (href === LETS_ENCRYPT_PRODUCTION) return 'production';
	if (href === LETS_ENCRYPT_STAGING) return 'staging';
	return 'custom';
}

/** The directory of one of Let's Encrypt's kinds. */
export function directoryOf(kind: 'production' | 'staging'): string {
	return kind === 'staging' ? LETS_ENCRYPT_STAGING : LETS_ENCRYPT_PRODUCTION;
}

/** The values of the certificate settings form. */
export interface HttpsFormValues {
	acmeEnabled: boolean;
	email: string;
	directoryUrl: string;
	redirect: boolean;
	hsts: boolean;
	uiDomain: string;
}

export function httpsFormFromSettings(s: Settings): HttpsFormValues {
	return {
		acmeEnabled: s.acme_enabled,
		email: s.acme_email,
		directoryUrl: s.acme_directory_url,
		redirect: s.https_redirect,
		hsts: s.hsts,
		uiDomain: s.ui_domain
	};
}

/** PUT /api/settings for the certificate section: only its fields, trimmed. */
export function httpsSettingsUpdate(v: HttpsFormValues): SettingsUpdate {
	return {
		acme_enabled: v.acmeEnabled,
		acme_email: v.email.trim(),
		acme_directory_url: v.directoryUrl.trim(),
		https_redirect: v.redirect,
		hsts: v.hsts,
		ui_domain: v.uiDomain.trim()
	};
}

/** Whether saving the form would change the settings. */
export function httpsFormChanged(v: HttpsFormValues, s: Settings): boolean {
	const u = httpsSettingsUpdate(v);
	return (
		u.acme_enabled !== s.acme_enabled ||
		u.acme_email !== s.acme_email ||
		u.acme_directory_url !== s.acme_directory_url ||
		u.https_redirect !== s.https_redirect ||
		u.hsts !== s.hsts ||
		u.ui_domain !== s.ui_domain
	);
}
