import { describe, expect, it } from 'vitest';
import {
	appFilter,
	appQuery,
	dnsSummary,
	filterByApp,
	recordsByConsumer,
	recordsByInstance,
	sinceText,
	statusSince
} from './instance-view';
import { makeDnsRecord, makeInstance } from './test/factories';

const rec = (id: number, overrides = {}) =>
	makeDnsRecord({ consumer_kind: 'instance', consumer_id: id, fqdn: `i${id}.example.com`, consumer_name: `i${id}.example.com`, ...overrides });

describe('recordsByInstance', () => {
	it('groups the records of instances by consumer id, one list for the whole page', () => {
		const a = rec(1);
		const aaaa = rec(1, { type: 'AAAA', content: '2001:db8::1' });
		const b = rec(2, { state: 'pending' });
		const proxy = makeDnsRecord({ consumer_kind: 'proxy', consumer_id: 1 });
		const orphan = makeDnsRecord({ consumer_kind: '', consumer_id: 0, state: 'orphan' });
		const byId = recordsByInstance([a, proxy, b, aaaa, orphan]);
		expect([...byId.keys()].sort()).toEqual([1, 2]);
		expect(byId.get(1)).toEqual([a, aaaa]);
		expect(byId.get(2)).toEqual([b]);
		expect(recordsByInstance(null).size).toBe(0);
	});

	it('groups the records of standalone proxies the same way, for the Proxies page', () => {
		const proxy = makeDnsRecord({ consumer_kind: 'proxy', consumer_id: 1, fqdn: 'shop.example.com' });
		const proxyAAAA = makeDnsRecord({ consumer_kind: 'proxy', consumer_id: 1, fqdn: 'shop.example.com', type: 'AAAA' });
		const byId = recordsByConsumer([rec(1), proxy, rec(2), proxyAAAA], 'proxy');
		expect([...byId.keys()]).toEqual([1]);
		expect(byId.get(1)).toEqual([proxy, proxyAAAA]);
	});
});

describe('dnsSummary', () => {
	it('one record: its state, with the record in the title', () => {
		const s = dnsSummary([rec(1)]);
		expect(s).toMatchObject({ state: 'synced', label: 'Synced', className: 'badge tone-ok' });
		expect(s.title).toContain('A i1.example.com → 203.0.113.10: Synced');
	});

	it('several records: the worst state, each record and its error in the title', () => {
		const s = dnsSummary([rec(1), rec(1, { type: 'AAAA', content: '2001:db8::1', state: 'error', last_error: 'zone locked' })]);
		expect(s).toMatchObject({ state: 'error', label: 'Error', className: 'badge tone-bad' });
		expect(s.title.split('\n')).toEqual([
			'A i1.example.com → 203.0.113.10: Synced',
			'AAAA i1.example.com → 2001:db8::1: Error (zone locked)',
			'The last attempt failed.'
		]);
		expect(dnsSummary([rec(1, { state: 'grace' }), rec(1, { state: 'pending' })]).state).toBe('pending');
		expect(dnsSummary([rec(1, { state: 'wildcard' })]).label).toBe('Wildcard');
	});

	it('an unknown state counts as worth a look, shown as it is', () => {
		expect(dnsSummary([rec(1), rec(1, { state: 'half_done' })])).toMatchObject({ state: 'half_done', label: 'half done' });
	});

	it('no record, only one left in an earlier zone, or no list', () => {
		expect(dnsSummary([])).toMatchObject({ state: null, label: 'None', className: '' });
		expect(dnsSummary([rec(1, { state: 'earlier_zone' })]).label).toBe('None');
		expect(dnsSummary(undefined)).toMatchObject({ state: null, label: 'Unknown' });
		expect(dnsSummary([]).title).toMatch(/the instance is not routed/);
		expect(dnsSummary([], 'proxy')).toMatchObject({ label: 'None', title: 'No record: none is expected for the domain.' });
	});
});

describe('statusSince and sinceText', () => {
	const en = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'long' });
	const now = Date.parse('2026-11-27T21:00:00Z');

	it('the status change, else the creation for an older row', () => {
		expect(statusSince(makeInstance({ status_changed_at: '2026-11-27T20:00:00Z', created_at: '2026-11-01T00:00:00Z' }))).toBe('2026-11-27T20:00:00Z');
		expect(statusSince(makeInstance({ status_changed_at: '0001-01-01T00:00:00Z', created_at: '2026-11-01T00:00:00Z' }))).toBe('2026-11-01T00:00:00Z');
		expect(statusSince(makeInstance({ status_changed_at: '', created_at: '2026-11-01T00:00:00Z' }))).toBe('2026-11-01T00:00:00Z');
	});

	it('says when the status began, with its verb', () => {
		expect(sinceText('running', '2026-11-27T20:55:00Z', now, en)).toBe('started 5 minutes ago');
		expect(sinceText('stopped', '2026-11-27T20:59:55Z', now, en)).toBe('stopped just now');
		expect(sinceText('stopped', '2026-11-27T20:59:20Z', now, en)).toBe('stopped 40 seconds ago');
		expect(sinceText('failed', '2026-11-25T21:00:00Z', now, en)).toBe('failed 2 days ago');
		expect(sinceText('deploying', '2026-11-27T20:00:00Z', now, en)).toBe('deploy started 1 hour ago');
		expect(sinceText('paused', '2026-11-27T20:00:00Z', now, en)).toBe('changed 1 hour ago');
		expect(sinceText('running', '', now, en)).toBe('');
		expect(sinceText('running', '0001-01-01T00:00:00Z', now, en)).toBe('');
	});
});

describe('the app filter', () => {
	it('reads a positive id from the query, and nothing else', () => {
		expect(appFilter('3')).toBe(3);
		for (const bad of [null, '', '0', '-1', '1.5', 'web', '99999999999999999999']) expect(appFilter(bad)).toBeNull();
	});

	it('filters the list and makes the query', () => {
		const list = [makeInstance({ id: 1, app_id: 1 }), makeInstance({ id: 2, app_id: 2 }), makeInstance({ id: 3, app_id: 1 })];
		expect(filterByApp(list, 1).map((i) => i.id)).toEqual([1, 3]);
		expect(filterByApp(list, null)).toBe(list);
		expect(filterByApp(list, 9)).toEqual([]);
		expect([appQuery(4), appQuery(null)]).toEqual(['?app=4', '']);
	});
});
