import { describe, expect, it } from 'vitest';
import { certificateState, challengeDescription, challengeLabel, emptyMessage, httpsBadge, validity } from './certificates';
import { makeCertificate } from './test/factories';
import { CERTIFICATE_STATES } from './types/certificate';

describe('certificateState', () => {
	it('gives each state a word and a colour', () => {
		expect(CERTIFICATE_STATES.map((s) => [s, certificateState(s).label, certificateState(s).tone])).toEqual([
			['valid', 'Valid', 'ok'],
			['pending', 'Pending', 'busy'],
			['obtaining', 'Obtaining', 'busy'],
			['renewing', 'Renewing', 'busy'],
			['expiring', 'Expiring', 'warn'],
			['error', 'Error', 'bad'],
			['none', 'None', 'off']
		]);
	});

	it('says what each state means and gives the badge classes', () => {
		for (const s of CERTIFICATE_STATES) expect(certificateState(s).description).not.toBe('');
		expect(certificateState('valid').className).toBe('badge tone-ok');
		expect(certificateState('expiring').className).toBe('badge tone-warn');
		expect(certificateState('error').className).toBe('badge tone-bad');
	});

	it('shows an unknown state as it is, in a neutral badge', () => {
		expect(certificateState('on_hold')).toEqual({ label: 'on hold', tone: 'neutral', description: '', className: 'badge tone-neutral' });
		expect(certificateState('constructor').label).toBe('constructor');
	});
});

describe('challenges', () => {
	it('names the challenges as the ACME specification does', () => {
		expect(challengeLabel('dns-01')).toBe('DNS-01');
		expect(challengeLabel('http-01')).toBe('HTTP-01');
		expect(challengeLabel('tls-alpn-01')).toBe('TLS-ALPN-01');
		expect(challengeLabel('carrier-pigeon')).toBe('carrier-pigeon');
	});

	it('says how each is checked', () => {
		expect(challengeDescription('dns-01')).toMatch(/TXT record/);
		expect(challengeDescription('http-01')).toMatch(/port 80/);
		expect(challengeDescription('other')).toBe('');
	});
});

describe('validity', () => {
	const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

	it('gives both ends in the format', () => {
		expect(validity(makeCertificate(), utc)).toEqual({ from: '27 Nov 2026, 21:00', until: '25 Feb 2027, 21:00' });
	});

	it('is null while there is no certificate, and marks a missing end', () => {
		expect(validity({ not_before: null, not_after: null }, utc)).toBeNull();
		expect(validity({ not_before: null, not_after: '2027-02-25T21:00:00Z' }, utc)).toEqual({ from: '—', until: '25 Feb 2027, 21:00' });
	});
});

describe('emptyMessage', () => {
	it('says what to do while certificates are not obtained', () => {
		expect(emptyMessage({ enabled: false })).toBe('Set a domain and enable ACME to get certificates.');
		// The server's reason, when it gives one: a setting cannot undo DW_ACME=off.
		const forbidden = 'ACME is turned off for this server (DW_ACME=off): no certificate is obtained, whatever the settings say.';
		expect(emptyMessage({ enabled: false, off_reason: forbidden })).toBe(forbidden);
	});

	it('says they come by themselves once they are', () => {
		expect(emptyMessage({ enabled: true })).toMatch(/obtained in the background/);
	});
});

describe('httpsBadge', () => {
	it('is absent without a planned certificate', () => {
		expect(httpsBadge(null)).toBeNull();
		expect(httpsBadge(undefined)).toBeNull();
	});
	it('names the state and the end of validity', () => {
		const b = httpsBadge({ state: 'valid', not_after: '2027-02-25T21:00:00Z' });
		expect(b?.label).toBe('HTTPS: Valid');
		expect(b?.className).toBe('badge tone-ok');
		expect(b?.title).toContain('Valid until');
		expect(httpsBadge({ state: 'pending' })?.title).not.toContain('Valid until');
		expect(httpsBadge({ state: 'error' })?.className).toBe('badge tone-bad');
	});
});
