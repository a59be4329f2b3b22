import { describe, expect, it } from 'vitest';
import {
	forwardTarget,
	formatDateTime,
	formatExpiry,
	formatDuration,
	portValue,
	safeNextPath,
	sentence,
	stateBadge,
	statusTone
} from './format';
import { makeProxy } from './test/factories';

describe('formatDateTime', () => {
	const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

	it('formats an RFC 3339 time', () => {
		expect(formatDateTime('2026-11-27T21:00:00Z', utc)).toBe('27 Nov 2026, 21:00');
	});

	it('shows a dash for missing, zero and invalid times', () => {
		expect(formatDateTime(null, utc)).toBe('—');
		expect(formatDateTime('', utc)).toBe('—');
		expect(formatDateTime('0001-01-01T00:00:00Z', utc)).toBe('—');
		expect(formatDateTime('yesterday', utc)).toBe('—');
	});
});

describe('statusTone', () => {
	it.each([
		['running', 'ok'],
		['deploying', 'busy'],
		['stopped', 'off'],
		['failed', 'bad'],
		['something-new', 'neutral']
	])('%s is %s', (status, tone) => {
		expect(statusTone(status)).toBe(tone);
	});
});

describe('safeNextPath', () => {
	it('keeps local paths', () => {
		expect(safeNextPath('/proxies')).toBe('/proxies');
		expect(safeNextPath('/settings?tab=tokens')).toBe('/settings?tab=tokens');
	});

	it('refuses other sites, odd values and the login page itself', () => {
		for (const next of [null, '', 'proxies', '//evil.example', '/\\evil.example', 'https://evil.example/', '/login', '/login?next=/x']) {
			expect(safeNextPath(next)).toBe('/instances');
		}
	});
});

describe('portValue', () => {
	it('takes whole numbers and gives 0 (refused by the API) otherwise', () => {
		expect(portValue(3000)).toBe(3000);
		expect(portValue('3001')).toBe(3001);
		expect(portValue(' 80 ')).toBe(80);
		expect(portValue(null)).toBe(0);
		expect(portValue('')).toBe(0);
		expect(portValue('80.5')).toBe(0);
		expect(portValue('abc')).toBe(0);
	});
});

describe('forwardTarget', () => {
	it('shows scheme, host and port, with brackets around IPv6', () => {
		expect(forwardTarget(makeProxy())).toBe('http://127.0.0.1:3000');
		expect(forwardTarget(makeProxy({ forward_scheme: 'https', forward_host: '::1', forward_port: 8443 }))).toBe('https://[::1]:8443');
	});
});

describe('formatDuration', () => {
	it.each([
		[1, '1 second'],
		[45, '45 seconds'],
		[60, '1 minute'],
		[61, '2 minutes'],
		[900, '15 minutes'],
		[3600, '1 hour'],
		[3900, '1 hour 5 minutes']
	])('%d s is %s', (s, text) => {
		expect(formatDuration(s)).toBe(text);
	});
});

describe('sentence', () => {
	it('capitalises and closes a message', () => {
		expect(sentence('too many failed logins')).toBe('Too many failed logins.');
		expect(sentence('Wait!')).toBe('Wait!');
		expect(sentence('')).toBe('');
	});
});

describe('formatExpiry', () => {
	const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
	const now = Date.parse('2026-11-27T21:00:00Z');

	it('says Never for a token without expiry', () => {
		expect(formatExpiry(null, now, utc)).toBe('Never');
	});
	it('shows a future expiry as a date', () => {
		expect(formatExpiry('2026-12-04T21:00:00Z', now, utc)).toBe('4 Dec 2026, 21:00');
	});
	it('says Expired from the expiry on', () => {
		expect(formatExpiry('2026-11-27T21:00:00Z', now, utc)).toBe('Expired');
		expect(formatExpiry('2026-01-01T00:00:00Z', now, utc)).toBe('Expired');
	});
});

describe('stateBadge', () => {
	const table = { up: { label: 'Up', tone: 'ok' as const, description: 'It runs.' } };

	it("gives a known state's badge", () => {
		expect(stateBadge(table, 'up')).toEqual({ label: 'Up', tone: 'ok', description: 'It runs.' });
	});

	it('shows an unknown state as it is, neutral, and is not fooled by names of Object.prototype', () => {
		expect(stateBadge(table, 'half_open')).toEqual({ label: 'half open', tone: 'neutral', description: '' });
		expect(stateBadge(table, 'constructor')).toEqual({ label: 'constructor', tone: 'neutral', description: '' });
	});
});
