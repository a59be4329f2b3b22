import { describe, expect, it } from 'vitest';
import { countTiles, dnsMode, eventLabel, lastSyncCounts, nextSteps, reachability, recentItems, stateCounts } from './dashboard';
import type { LiveEvent } from './events.svelte';
import { makeSyncReport } from './test/factories';
import type { Summary } from './types/summary';

/** A fresh install's summary, with overrides. */
function makeSummary(overrides: Partial<Summary> = {}): Summary {
	return {
		domain: '',
		apps: 0,
		instances: { total: 0, running: 0, deploying: 0, stopped: 0, failed: 0 },
		proxies: 0,
		engine: 'ok',
		dns: {
			mode: 'wildcard',
			provider: '',
			zone_name: '',
			records: 0,
			states: {},
			last_sync: null,
			provider_state: 'none',
			last_error: '',
			last_error_at: null
		},
		certificates: { enabled: false, total: 0, states: {}, expiring_soon: 0, next_expiry: null, acme: 'off', last_error: '' },
		...overrides
	};
}

/** The last sync as the summary has it: without its lines. */
const { records: _lines, ...lastSync } = makeSyncReport({ created: 2, deleted: 1, already_synced: 3, conflicts: 1, api_calls: 2 });

const managed = (dns: Partial<Summary['dns']> = {}): Summary['dns'] => ({
	...makeSummary().dns,
	mode: 'managed',
	provider: 'cloudflare',
	zone_name: 'example.com',
	provider_state: 'ok',
	last_sync: lastSync,
	...dns
});

const byId = <T extends { id: string }>(list: T[], id: string) => list.find((x) => x.id === id)!;

describe('countTiles', () => {
	it('reserves every tile while loading', () => {
		const tiles = countTiles(null);
		expect(tiles.map((t) => t.id)).toEqual(['apps', 'instances', 'proxies', 'records', 'certificates']);
		expect(tiles.every((t) => t.value === '—' && t.detail === '')).toBe(true);
	});

	it('counts a fresh install and says what is missing', () => {
		const tiles = countTiles(makeSummary());
		expect(tiles.map((t) => t.value)).toEqual(['0', '0', '0', '0', '0']);
		expect(byId(tiles, 'apps').detail).toBe('None yet: add one to deploy its tags');
		expect(byId(tiles, 'instances').detail).toBe('None deployed yet');
		expect(byId(tiles, 'records').detail).toBe('Wildcard mode: none written');
		expect(byId(tiles, 'certificates').detail).toBe('HTTPS certificates are off');
		expect(tiles.some((t) => t.tone)).toBe(false);
	});

	it('counts a busy install and marks what needs attention', () => {
		const tiles = countTiles(
			makeSummary({
				apps: 2,
				instances: { total: 5, running: 3, deploying: 1, stopped: 0, failed: 1 },
				proxies: 1,
				dns: managed({ records: 5, states: { pending: 1, synced: 3, error: 1 } }),
				certificates: { enabled: true, total: 2, states: { valid: 1, expiring: 1 }, expiring_soon: 1, next_expiry: '2026-12-01T00:00:00Z', acme: 'error', last_error: 'x' }
			})
		);
		expect(byId(tiles, 'apps')).toMatchObject({ value: '2', detail: '5 instances', href: '/apps' });
		expect(byId(tiles, 'instances')).toMatchObject({ value: '3', detail: 'of 5, 1 deploying, 1 failed', tone: 'bad' });
		expect(byId(tiles, 'proxies')).toMatchObject({ value: '1', detail: 'domain routed', href: '/proxies' });
		expect(byId(tiles, 'records')).toMatchObject({ value: '5', detail: '3 synced, 1 pending, 1 error', tone: 'bad' });
		const certs = byId(tiles, 'certificates');
		expect(certs).toMatchObject({ value: '1', tone: 'warn', href: '/settings#certificates' });
		expect(certs.detail).toMatch(/^of 2, next ends .*2026/);
	});
});

describe('stateCounts', () => {
	it('follows the order of the DNS page, unknown states last', () => {
		expect(stateCounts({ zebra_state: 1, grace: 2, synced: 1, pending: 0 })).toBe('1 synced, 2 grace period, 1 zebra state');
		expect(stateCounts({})).toBe('');
	});
});

describe('dnsMode and lastSyncCounts', () => {
	it('names the mode, the provider and the zone', () => {
		expect(dnsMode(makeSummary())).toEqual({ label: 'Wildcard', text: 'A wildcard record is assumed to cover every name; no domain is set yet.' });
		expect(dnsMode(makeSummary({ domain: 'example.com' })).text).toBe('A record *.example.com is assumed to point here; nothing is written to a DNS provider.');
		expect(dnsMode(makeSummary({ dns: managed() }))).toEqual({ label: 'Managed', text: 'One record per name at Cloudflare, zone example.com.' });
	});

	it('counts the last sync, or says there was none', () => {
		expect(lastSyncCounts(makeSummary())).toBeNull();
		expect(lastSyncCounts(makeSummary({ dns: managed() }))).toBe('2 created, 0 updated, 1 deleted, 3 in sync, 1 conflict, 0 errors');
		const idle = { ...lastSync, mode: 'wildcard' as const, created: 0, deleted: 0, conflicts: 0 };
		expect(lastSyncCounts(makeSummary({ dns: { ...makeSummary().dns, last_sync: idle } }))).toBe('nothing to do in wildcard mode');
	});
});

describe('reachability', () => {
	it('says the engine, the provider and ACME are fine or unused', () => {
		const [engine, dns, acme] = reachability(makeSummary());
		expect(engine).toMatchObject({ id: 'engine', state: 'Reachable', tone: 'ok' });
		expect(dns).toMatchObject({ label: 'DNS provider', state: 'Not used', tone: 'off' });
		expect(acme).toMatchObject({ state: 'Off', detail: 'Set a domain to get certificates.' });
		const ok = reachability(
			makeSummary({ domain: 'example.com', dns: managed(), certificates: { ...makeSummary().certificates, enabled: true, total: 2, acme: 'ok' } })
		);
		expect(ok[1]).toMatchObject({ label: 'DNS provider (Cloudflare)', state: 'Reachable', tone: 'ok' });
		expect(ok[2]).toMatchObject({ state: 'OK', detail: 'All 2 certificates are valid.' });
	});

	it('gives the errors in the server’s words', () => {
		const [engine, dns, acme] = reachability(
			makeSummary({
				engine: 'unreachable',
				dns: managed({ provider_state: 'error', last_error: 'cloudflare: connection refused', last_error_at: '2026-11-27T21:00:00Z' }),
				certificates: { ...makeSummary().certificates, enabled: true, acme: 'error', last_error: 'acme: the CA is down' }
			})
		);
		expect(engine).toMatchObject({ state: 'Unreachable', tone: 'bad' });
		expect(engine.detail).toContain('proxies and DNS keep working');
		expect(dns).toMatchObject({ state: 'Error', tone: 'bad' });
		expect(dns.detail).toMatch(/^Cloudflare: connection refused\. \(.*2026.*\)$/);
		expect(acme).toMatchObject({ state: 'Error', tone: 'bad', detail: 'Acme: the CA is down.' });
		expect(reachability(makeSummary({ dns: managed({ provider_state: 'half_open' }) }))[1]).toMatchObject({ state: 'half open', tone: 'neutral' });
		expect(reachability(makeSummary({ dns: managed({ provider_state: 'unknown' }) }))[1].state).toBe('Not checked yet');
	});
});

describe('nextSteps', () => {
	it('leads a fresh install to its domain, an app and a proxy', () => {
		expect(nextSteps(makeSummary()).map((s) => [s.action, s.href])).toEqual([
			['Set your domain in Settings', '/settings'],
			['Add an app', '/apps'],
			['Add a standalone proxy', '/proxies']
		]);
	});

	it('asks for a deploy once an app exists, and nothing once running', () => {
		expect(nextSteps(makeSummary({ domain: 'example.com', apps: 1 })).map((s) => s.id)).toEqual(['deploy']);
		const running = makeSummary({ domain: 'example.com', apps: 1, instances: { ...makeSummary().instances, total: 1, running: 1 } });
		expect(nextSteps(running)).toEqual([]);
		expect(nextSteps(makeSummary({ domain: 'example.com', proxies: 2 }))).toEqual([
			expect.objectContaining({ id: 'app' })
		]);
	});
});

const ev = (kind: string, subject = '', id = 0, at = 1000): LiveEvent => ({ kind, subject, id, at });

describe('eventLabel', () => {
	it('says what changed, with the page that shows it', () => {
		expect(eventLabel(ev('consumers_changed', 'proxy', 4))).toEqual({ text: 'Proxy 4 changed', href: '/proxies' });
		expect(eventLabel(ev('consumers_changed', 'instance', 7))).toEqual({ text: 'Instance 7 changed', href: '/instances/7' });
		expect(eventLabel(ev('consumers_changed', 'instance'))).toEqual({ text: 'Instance changed', href: '/instances' });
		expect(eventLabel(ev('consumers_changed', 'ui_route'))).toEqual({ text: 'Ui route changed', href: null });
		expect(eventLabel(ev('consumers_changed'))).toEqual({ text: 'Routes changed', href: null });
		expect(eventLabel(ev('instance_progress', 'instance', 7))).toEqual({ text: 'Instance 7: deploying', href: '/instances/7' });
		expect(eventLabel(ev('apps_changed', 'app', 2))).toEqual({ text: 'App 2 changed', href: '/apps/2' });
		expect(eventLabel(ev('apps_changed', 'check', 2))).toEqual({ text: 'App 2: registry checked', href: '/apps/2' });
		expect(eventLabel(ev('apps_changed', 'app'))).toEqual({ text: 'App changed', href: '/apps' });
		expect(eventLabel(ev('settings_changed', 'settings'))).toEqual({ text: 'Settings saved', href: '/settings' });
		expect(eventLabel(ev('dns_synced', 'dns'))).toEqual({ text: 'DNS synced', href: '/dns' });
		expect(eventLabel(ev('certificates_changed', 'certificates'))).toEqual({ text: 'Certificates changed', href: '/settings#certificates' });
		expect(eventLabel(ev('backup_done'))).toEqual({ text: 'Backup done', href: null });
	});
});

describe('recentItems', () => {
	it('folds repeats in a row and keeps the newest first', () => {
		const events = [
			ev('instance_progress', 'instance', 3, 5000),
			ev('instance_progress', 'instance', 3, 4000),
			ev('instance_progress', 'instance', 3, 3000),
			ev('dns_synced', 'dns', 0, 2000),
			ev('consumers_changed', 'proxy', 1, 1000),
			ev('dns_synced', 'dns', 0, 500)
		];
		expect(recentItems(events).map((i) => [i.text, i.count, i.at])).toEqual([
			['Instance 3: deploying', 3, 5000],
			['DNS synced', 1, 2000],
			['Proxy 1 changed', 1, 1000],
			['DNS synced', 1, 500]
		]);
		expect(recentItems(events, 2).map((i) => i.text)).toEqual(['Instance 3: deploying', 'DNS synced']);
		expect(recentItems([])).toEqual([]);
	});
});
