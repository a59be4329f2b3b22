import { describe, expect, it } from 'vitest';
import {
	LETS_ENCRYPT_PRODUCTION,
	LETS_ENCRYPT_STAGING,
	directoryKind,
	directoryOf,
	httpsFormChanged,
	httpsFormFromSettings,
	httpsSettingsUpdate
} from './https-settings';
import { makeSettings } from './test/factories';

const stored = makeSettings({
	acme_enabled: true,
	acme_email: 'admin@example.com',
	acme_directory_url: LETS_ENCRYPT_STAGING,
	https_redirect: false,
	hsts: true,
	ui_domain: 'dw.example.com'
});

describe('directoryKind', () => {
	it("tells Let's Encrypt's directories from any other", () => {
		expect(directoryKind(LETS_ENCRYPT_PRODUCTION)).toBe('production');
		expect(directoryKind(LETS_ENCRYPT_STAGING)).toBe('staging');
		expect(directoryKind('https://127.0.0.1:14000/dir')).toBe('custom');
		expect(directoryKind('not a url')).toBe('custom');
	});

	it('reads the directory as the API does: trimmed, scheme and host in any case, "" the default', () => {
		expect(directoryKind('  HTTPS://ACME-STAGING-V02.api.LetsEncrypt.org/directory ')).toBe('staging');
		expect(directoryKind('')).toBe('production');
		expect(directoryKind('   ')).toBe('production');
	});

	it('does not take another path or scheme for the same CA', () => {
		expect(directoryKind(LETS_ENCRYPT_PRODUCTION + '/')).toBe('custom');
		expect(directoryKind('https://acme-v02.api.letsencrypt.org/DIRECTORY')).toBe('custom');
		expect(directoryKind(LETS_ENCRYPT_STAGING.replace('https:', 'http:'))).toBe('custom');
	});
});

describe('directoryOf', () => {
	it('switches between staging and production', () => {
		expect(directoryOf('staging')).toBe(LETS_ENCRYPT_STAGING);
		expect(directoryOf('production')).toBe(LETS_ENCRYPT_PRODUCTION);
		expect(directoryKind(directoryOf('staging'))).toBe('staging');
		expect(directoryKind(directoryOf('production'))).toBe('production');
	});
});

describe('the form', () => {
	it('takes the stored values', () => {
		expect(httpsFormFromSettings(stored)).toEqual({
			acmeEnabled: true,
			email: 'admin@example.com',
			directoryUrl: LETS_ENCRYPT_STAGING,
			redirect: false,
			hsts: true,
			uiDomain: 'dw.example.com'
		});
	});

	it('sends only its fields, trimmed', () => {
		const v = { ...httpsFormFromSettings(stored), email: ' a@example.com ', uiDomain: ' DW.example.com ', directoryUrl: ` ${LETS_ENCRYPT_PRODUCTION}\n` };
		expect(httpsSettingsUpdate(v)).toEqual({
			acme_enabled: true,
			acme_email: 'a@example.com',
			acme_directory_url: LETS_ENCRYPT_PRODUCTION,
			https_redirect: false,
			hsts: true,
			ui_domain: 'DW.example.com'
		});
	});

	it('has unsaved changes when any field differs, not for white space alone', () => {
		const v = httpsFormFromSettings(stored);
		expect(httpsFormChanged(v, stored)).toBe(false);
		expect(httpsFormChanged({ ...v, email: ' admin@example.com ' }, stored)).toBe(false);
		for (const change of [
			{ acmeEnabled: false },
			{ email: '' },
			{ directoryUrl: LETS_ENCRYPT_PRODUCTION },
			{ redirect: true },
			{ hsts: false },
			{ uiDomain: 'ui.example.com' }
		]) {
			expect(httpsFormChanged({ ...v, ...change }, stored), JSON.stringify(change)).toBe(true);
		}
	});
});
