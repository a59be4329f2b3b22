import { describe, expect, it } from 'vitest';
import {
	checkLabel,
	dnsFormChanged,
	dnsFormFromSettings,
	dnsSettingsUpdate,
	dnsTestRequest,
	formatTtl,
	providerName,
	summarizeChecks,
	tokenToSend,
	ttlChoiceFor,
	ttlFromChoice,
	wholeSeconds,
	zoneOptions,
	type DnsFormValues
} from './dns';
import { makeSettings } from './test/factories';
import type { DnsTestResult } from './types/dns';

const zoneId = '023e105f4ecef8ad9ca31a8372d0c353';
const otherId = '9a7806061c88ada191ed06f989cc3dac';

const managed = makeSettings({
	wildcard_dns: false,
	dns_provider: 'cloudflare',
	cloudflare_api_token_set: true,
	cloudflare_zone_id: zoneId,
	cloudflare_zone_name: 'example.com',
	dns_ttl: 300,
	cloudflare_proxied: true
});

function form(overrides: Partial<DnsFormValues> = {}): DnsFormValues {
	return { ...dnsFormFromSettings(managed), ...overrides };
}

describe('dnsFormFromSettings', () => {
	it('takes the stored values, and never a token', () => {
		expect(dnsFormFromSettings(managed)).toEqual({
			mode: 'managed',
			provider: 'cloudflare',
			token: '',
			clearToken: false,
			zoneId,
			zoneName: 'example.com',
			ttlChoice: '300',
			ttlCustom: null,
			proxied: true,
			graceSeconds: 600,
			syncIntervalSeconds: 600
		});
	});

	it('reads wildcard_dns as the mode', () => {
		expect(dnsFormFromSettings(makeSettings()).mode).toBe('wildcard');
	});
});

describe('TTL', () => {
	it('maps automatic, presets and other values to the selector', () => {
		expect(ttlChoiceFor(1)).toEqual({ ttlChoice: '1', ttlCustom: null });
		expect(ttlChoiceFor(0)).toEqual({ ttlChoice: '1', ttlCustom: null });
		expect(ttlChoiceFor(3600)).toEqual({ ttlChoice: '3600', ttlCustom: null });
		expect(ttlChoiceFor(90)).toEqual({ ttlChoice: 'custom', ttlCustom: 90 });
	});

	it('maps the selector back to the API value', () => {
		expect(ttlFromChoice('1', null)).toBe(1);
		expect(ttlFromChoice('86400', null)).toBe(86400);
		expect(ttlFromChoice('custom', 90)).toBe(90);
		expect(ttlFromChoice('custom', ' 120 ')).toBe(120);
	});

	it('sends 0 for a custom value that is not a whole number, so that the API names dns_ttl', () => {
		expect(ttlFromChoice('custom', null)).toBe(0);
		expect(ttlFromChoice('custom', '')).toBe(0);
		expect(ttlFromChoice('custom', 90.5)).toBe(0);
		expect(ttlFromChoice('custom', 'soon')).toBe(0);
	});

	it('round-trips every stored value', () => {
		for (const ttl of [1, 60, 90, 300, 86400, 12345]) {
			const { ttlChoice, ttlCustom } = ttlChoiceFor(ttl);
			expect(ttlFromChoice(ttlChoice, ttlCustom)).toBe(ttl);
		}
	});

	it('formats TTLs for people', () => {
		expect(formatTtl(1)).toBe('Automatic');
		expect(formatTtl(300)).toBe('5 minutes');
		expect(formatTtl(90)).toBe('90 seconds');
	});
});

describe('dnsSettingsUpdate', () => {
	it('sends only the DNS fields, and no token when none was typed', () => {
		const update = dnsSettingsUpdate(form());
		expect(update).toEqual({
			wildcard_dns: false,
			dns_provider: 'cloudflare',
			cloudflare_zone_id: zoneId,
			cloudflare_zone_name: 'example.com',
			dns_ttl: 300,
			cloudflare_proxied: true,
			dns_delete_grace_seconds: 600,
			dns_sync_interval_seconds: 600
		});
		expect('cloudflare_api_token' in update).toBe(false);
		expect('domain' in update).toBe(false);
	});

	it('sends a typed token, trimmed', () => {
		expect(dnsSettingsUpdate(form({ token: '  new-token\n' })).cloudflare_api_token).toBe('new-token');
	});

	it('sends "" to clear the stored token', () => {
		expect(dnsSettingsUpdate(form({ clearToken: true })).cloudflare_api_token).toBe('');
	});

	it('prefers a typed token over clearing', () => {
		expect(tokenToSend({ token: 'abc', clearToken: true })).toBe('abc');
		expect(tokenToSend({ token: '   ', clearToken: false })).toBeUndefined();
	});

	it('maps the mode to wildcard_dns and the TTL selector to dns_ttl', () => {
		const update = dnsSettingsUpdate(form({ mode: 'wildcard', ttlChoice: 'custom', ttlCustom: 90 }));
		expect(update.wildcard_dns).toBe(true);
		expect(update.dns_ttl).toBe(90);
	});
});

describe('grace period and sync interval', () => {
	it('sends the numbers as typed, 0 included', () => {
		const update = dnsSettingsUpdate(form({ graceSeconds: 0, syncIntervalSeconds: 3600 }));
		expect(update.dns_delete_grace_seconds).toBe(0);
		expect(update.dns_sync_interval_seconds).toBe(3600);
	});

	it('sends -1 (refused, so that the API names the field) for a value that is not a whole number', () => {
		expect(wholeSeconds(null)).toBe(-1);
		expect(wholeSeconds('')).toBe(-1);
		expect(wholeSeconds(1.5)).toBe(-1);
		expect(wholeSeconds(' 90 ')).toBe(90);
		expect(dnsSettingsUpdate(form({ graceSeconds: null })).dns_delete_grace_seconds).toBe(-1);
	});
});

describe('dnsFormChanged', () => {
	it('is false for the stored values and true after any change', () => {
		expect(dnsFormChanged(form(), managed)).toBe(false);
		expect(dnsFormChanged(form({ token: 'x' }), managed)).toBe(true);
		expect(dnsFormChanged(form({ clearToken: true }), managed)).toBe(true);
		expect(dnsFormChanged(form({ proxied: false }), managed)).toBe(true);
		expect(dnsFormChanged(form({ ttlChoice: '1' }), managed)).toBe(true);
		expect(dnsFormChanged(form({ mode: 'wildcard' }), managed)).toBe(true);
		expect(dnsFormChanged(form({ graceSeconds: 0 }), managed)).toBe(true);
		expect(dnsFormChanged(form({ syncIntervalSeconds: 60 }), managed)).toBe(true);
	});
});

describe('dnsTestRequest', () => {
	it('tests the stored token when none was typed', () => {
		expect(dnsTestRequest(form())).toEqual({ dns_provider: 'cloudflare', cloudflare_zone_id: zoneId });
	});

	it('tests a typed, unsaved token', () => {
		expect(dnsTestRequest(form({ token: 'typed' }))).toEqual({
			dns_provider: 'cloudflare',
			cloudflare_api_token: 'typed',
			cloudflare_zone_id: zoneId
		});
	});

	it('leaves the zone out when none is chosen', () => {
		expect(dnsTestRequest(form({ zoneId: '', zoneName: '' }))).toEqual({ dns_provider: 'cloudflare' });
	});
});

describe('summarizeChecks', () => {
	const result = (ok: boolean, oks: boolean[], zone_name = 'example.com'): DnsTestResult => ({
		ok,
		provider: 'cloudflare',
		zone_name,
		checks: oks.map((o, i) => ({ name: `c${i}`, ok: o, message: '' }))
	});

	it('says all checks passed', () => {
		expect(summarizeChecks(result(true, [true, true, true, true]))).toEqual({
			ok: true,
			passed: 4,
			failed: 0,
			total: 4,
			text: 'Connection works for example.com: all 4 checks passed.'
		});
	});

	it('counts the failed checks', () => {
		const s = summarizeChecks(result(false, [true, true, true, false]));
		expect(s).toMatchObject({ ok: false, passed: 3, failed: 1 });
		expect(s.text).toBe('The connection test failed for example.com: 3 of 4 checks passed.');
	});

	it('is not ok when a check failed, whatever ok says', () => {
		expect(summarizeChecks(result(true, [true, false])).ok).toBe(false);
	});

	it('handles a result without checks or zone', () => {
		expect(summarizeChecks(result(false, [], '')).text).toBe('The connection test failed.');
		expect(summarizeChecks(result(true, [], '')).text).toBe('Connection works.');
	});
});

describe('names', () => {
	it('labels known checks and keeps unknown ones readable', () => {
		expect(checkLabel('token')).toBe('API token');
		expect(checkLabel('dns_edit')).toBe('Edit DNS records');
		expect(checkLabel('dns_batch')).toBe('dns batch');
	});

	it('names providers', () => {
		expect(providerName('')).toBe('None');
		expect(providerName('cloudflare')).toBe('Cloudflare');
		expect(providerName('route53')).toBe('route53');
	});
});

describe('zoneOptions', () => {
	const zones = [
		{ id: otherId, name: 'other.org', status: 'active' },
		{ id: zoneId, name: 'example.com', status: 'active' },
		{ id: 'ffffffffffffffffffffffffffffffff', name: 'new.net', status: 'pending' }
	];

	it('lists the zones by name, with a status that is not active', () => {
		expect(zoneOptions(zones, zoneId, 'example.com').map((o) => o.label)).toEqual([
			'example.com',
			'new.net (pending)',
			'other.org'
		]);
	});

	it('keeps the stored zone before the zones are loaded', () => {
		expect(zoneOptions(null, zoneId, 'example.com')).toEqual([{ id: zoneId, name: 'example.com', label: 'example.com' }]);
		expect(zoneOptions(null, '', '')).toEqual([]);
	});

	it('marks a stored zone the token does not see', () => {
		const options = zoneOptions([zones[0]], zoneId, 'example.com');
		expect(options[0]).toEqual({ id: zoneId, name: 'example.com', label: 'example.com (not visible to the token)' });
		expect(options).toHaveLength(2);
	});
});
