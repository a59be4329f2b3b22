import { describe, expect, it } from 'vitest';
import {
	npmPasswordToSend,
	npmTestRequest,
	npmTestView,
	proxyFormChanged,
	proxyFormFromSettings,
	proxySettingsUpdate,
	trustedProxiesList,
	trustedProxiesText,
	type ProxyFormValues
} from './proxy-settings';
import { makeSettings } from './test/factories';

const npm = makeSettings({
	proxy_provider: 'npm',
	npm_url: 'http://npm.internal:81',
	npm_email: 'admin@example.com',
	npm_password_set: true,
	npm_forward_host: '172.17.0.1',
	trusted_proxies: ['10.0.0.0/8', '127.0.0.1/32'],
	proxy_access_log: true
});

function form(overrides: Partial<ProxyFormValues> = {}): ProxyFormValues {
	return { ...proxyFormFromSettings(npm), ...overrides };
}

describe('proxyFormFromSettings', () => {
	it('takes the stored values, one trusted proxy a line, and never a password', () => {
		expect(proxyFormFromSettings(npm)).toEqual({
			router: 'npm',
			npmUrl: 'http://npm.internal:81',
			npmEmail: 'admin@example.com',
			npmPassword: '',
			clearNpmPassword: false,
			npmForwardHost: '172.17.0.1',
			trustedProxies: '10.0.0.0/8\n127.0.0.1/32',
			accessLog: true
		});
	});

	it('reads an unknown or empty router as the built-in proxy', () => {
		expect(proxyFormFromSettings(makeSettings()).router).toBe('builtin');
		expect(proxyFormFromSettings(makeSettings({ proxy_provider: '' as 'builtin' })).router).toBe('builtin');
	});
});

describe('trusted proxies', () => {
	it('takes one entry a line, trimmed, and leaves out blank lines', () => {
		expect(trustedProxiesList('  10.0.0.0/8 \n\n127.0.0.1\r\n   \n::1\n')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
		expect(trustedProxiesList('')).toEqual([]);
		expect(trustedProxiesList('\n \n')).toEqual([]);
	});

	it('keeps what is not an address, for the API to name', () => {
		expect(trustedProxiesList('10.0.0.0/8, 192.0.2.1\nnot an address')).toEqual(['10.0.0.0/8, 192.0.2.1', 'not an address']);
	});

	it('writes the list one entry a line', () => {
		expect(trustedProxiesText(['10.0.0.0/8', '::1/128'])).toBe('10.0.0.0/8\n::1/128');
		expect(trustedProxiesText([])).toBe('');
		expect(trustedProxiesText(null)).toBe('');
	});
});

describe('npmPasswordToSend', () => {
	it('sends a typed password as it is, "" to clear, nothing to keep the stored one', () => {
		expect(npmPasswordToSend({ npmPassword: ' s3cret ', clearNpmPassword: false })).toBe(' s3cret ');
		expect(npmPasswordToSend({ npmPassword: '', clearNpmPassword: true })).toBe('');
		expect(npmPasswordToSend({ npmPassword: '', clearNpmPassword: false })).toBeUndefined();
		expect(npmPasswordToSend({ npmPassword: 'new', clearNpmPassword: true })).toBe('new');
	});
});

describe('proxySettingsUpdate', () => {
	it('sends only the fields of the section, NPM ones trimmed, without a password unless one is typed', () => {
		const update = proxySettingsUpdate(form({ npmUrl: ' http://npm:81 ', npmEmail: ' me@example.com ', trustedProxies: '127.0.0.1\n\n' }));
		expect(update).toEqual({
			proxy_provider: 'npm',
			npm_url: 'http://npm:81',
			npm_email: 'me@example.com',
			npm_forward_host: '172.17.0.1',
			trusted_proxies: ['127.0.0.1'],
			proxy_access_log: true
		});
	});

	it('sends a typed password, or "" when the stored one is cleared', () => {
		expect(proxySettingsUpdate(form({ npmPassword: 'changeme' })).npm_password).toBe('changeme');
		expect(proxySettingsUpdate(form({ clearNpmPassword: true })).npm_password).toBe('');
	});

	it('leaves the NPM fields out with the built-in proxy, so that the stored ones are kept', () => {
		expect(proxySettingsUpdate(form({ router: 'builtin', npmUrl: 'typed', npmPassword: 'typed' }))).toEqual({
			proxy_provider: 'builtin',
			trusted_proxies: ['10.0.0.0/8', '127.0.0.1/32'],
			proxy_access_log: true
		});
	});

	it('sends an empty list to trust no proxy', () => {
		expect(proxySettingsUpdate(form({ trustedProxies: '  \n' })).trusted_proxies).toEqual([]);
	});
});

describe('npmTestRequest', () => {
	it('sends the NPM fields as typed, and the stored password unless one is typed', () => {
		expect(npmTestRequest(form({ npmEmail: 'other@example.com ' }))).toEqual({
			npm_url: 'http://npm.internal:81',
			npm_email: 'other@example.com',
			npm_forward_host: '172.17.0.1'
		});
		expect(npmTestRequest(form({ npmPassword: 'wrong' })).npm_password).toBe('wrong');
	});
});

describe('proxyFormChanged', () => {
	it('sees no change in the stored values', () => {
		expect(proxyFormChanged(form(), npm)).toBe(false);
		expect(proxyFormChanged(proxyFormFromSettings(makeSettings()), makeSettings())).toBe(false);
		expect(proxyFormChanged(form({ trustedProxies: ' 10.0.0.0/8\n\n127.0.0.1/32\n' }), npm)).toBe(false);
	});

	it('sees each field of the section change', () => {
		const changes: Partial<ProxyFormValues>[] = [
			{ router: 'builtin' },
			{ npmUrl: 'http://other:81' },
			{ npmEmail: 'other@example.com' },
			{ npmPassword: 'new' },
			{ clearNpmPassword: true },
			{ npmForwardHost: '' },
			{ trustedProxies: '10.0.0.0/8' },
			{ trustedProxies: '127.0.0.1/32\n10.0.0.0/8' },
			{ accessLog: false }
		];
		for (const c of changes) expect(proxyFormChanged(form(c), npm), JSON.stringify(c)).toBe(true);
	});

	it('ignores the hidden NPM fields while the built-in proxy is chosen', () => {
		const builtin = makeSettings();
		const v = { ...proxyFormFromSettings(builtin), npmUrl: 'http://npm:81', npmPassword: 'typed' };
		expect(proxyFormChanged(v, builtin)).toBe(false);
	});
});

describe('npmTestView', () => {
	it("gives NPM's answer of a test that worked, which counts the hosts", () => {
		const message = 'Logged in to http://npm:81 as admin@example.com; the account sees 3 proxy hosts.';
		expect(npmTestView({ ok: true, hosts: 3, message })).toEqual({ ok: true, headline: 'Connection works.', message });
	});

	it('counts the hosts itself when the API says nothing more', () => {
		expect(npmTestView({ ok: true, hosts: 1, message: '' }).message).toBe('The account sees 1 proxy host.');
		expect(npmTestView({ ok: true, hosts: 0, message: ' ' }).message).toBe('The account sees 0 proxy hosts.');
	});

	it("gives NPM's refusal of a test that failed", () => {
		expect(npmTestView({ ok: false, hosts: 0, message: 'npm: login: 400 Invalid email or password ' })).toEqual({
			ok: false,
			headline: 'Connection failed.',
			message: 'npm: login: 400 Invalid email or password'
		});
		expect(npmTestView({ ok: false, hosts: 0, message: '' }).message).toBe('Nginx Proxy Manager gave no reason.');
	});
});
