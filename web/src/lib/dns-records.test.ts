import { describe, expect, it } from 'vitest';
import {
	actionLabel,
	actionTone,
	cleanupCount,
	cleanupZone,
	consumerOf,
	deletedMessage,
	filtersActive,
	formatMillis,
	recordKeys,
	recordStateClass,
	recordStateDescription,
	recordStateLabel,
	recordStateTone,
	reportCounts,
	reportIdle,
	reportKind,
	reportLines,
	reportSummary,
	sortRecords,
	syncLineText
} from './dns-records';
import { makeDnsRecord, makeSyncReport } from './test/factories';
import { DNS_RECORD_STATES, type DnsSyncLine } from './types/dns';

describe('record states', () => {
	it.each([
		['synced', 'Synced', 'ok'],
		['pending', 'Pending', 'neutral'],
		['grace', 'Grace period', 'warn'],
		['deleting', 'Deleting', 'warn'],
		['orphan', 'Orphan', 'warn'],
		['conflict', 'Conflict', 'bad'],
		['error', 'Error', 'bad'],
		['outside_zone', 'Outside zone', 'off'],
		['wildcard', 'Wildcard', 'busy'],
		['earlier_zone', 'Left in an earlier zone', 'moved']
	])('%s is shown as "%s" in tone %s', (state, label, tone) => {
		expect(recordStateLabel(state)).toBe(label);
		expect(recordStateTone(state)).toBe(tone);
		expect(recordStateClass(state)).toBe(`badge tone-${tone}`);
	});

	it('describes every documented state', () => {
		for (const state of DNS_RECORD_STATES) expect(recordStateDescription(state)).not.toBe('');
	});

	it('keeps an unknown state readable and neutral', () => {
		expect(recordStateLabel('half_done')).toBe('half done');
		expect(recordStateTone('half_done')).toBe('neutral');
		expect(recordStateDescription('half_done')).toBe('');
		expect(recordStateLabel('toString')).toBe('toString');
	});
});

describe('consumerOf', () => {
	it('names the kind and links to the page that lists it', () => {
		expect(consumerOf(makeDnsRecord())).toEqual({ kind: 'Proxy', name: 'app.example.com', href: '/proxies', gone: false });
		expect(consumerOf(makeDnsRecord({ consumer_kind: 'instance', consumer_id: 7, consumer_name: 'web' }))).toEqual({
			kind: 'Instance',
			name: 'web',
			href: '/instances',
			gone: false
		});
		expect(consumerOf(makeDnsRecord({ consumer_kind: 'ui', consumer_id: 0, consumer_name: 'dw.example.com' }))).toEqual({
			kind: 'Web UI',
			name: 'dw.example.com',
			href: '/settings',
			gone: false
		});
	});

	it('falls back to the id, and has no link without a consumer', () => {
		expect(consumerOf(makeDnsRecord({ consumer_name: '', consumer_id: 9 })).name).toBe('#9');
		expect(consumerOf(makeDnsRecord({ consumer_kind: '', consumer_id: 0, consumer_name: '' }))).toEqual({
			kind: '',
			name: '',
			href: null,
			gone: false
		});
	});

	it('says that the consumer of an orphan is gone, without a link', () => {
		expect(consumerOf(makeDnsRecord({ state: 'orphan', consumer_id: 3, consumer_name: '' }))).toEqual({
			kind: 'Proxy',
			name: '',
			href: null,
			gone: true
		});
	});
});

describe('sortRecords and filtersActive', () => {
	it('sorts by name, then type, without changing the input', () => {
		const input = [
			makeDnsRecord({ fqdn: 'b.example.com' }),
			makeDnsRecord({ fqdn: 'a.example.com', type: 'AAAA' }),
			makeDnsRecord({ fqdn: 'a.example.com', type: 'A' })
		];
		expect(sortRecords(input).map((r) => `${r.fqdn} ${r.type}`)).toEqual([
			'a.example.com A',
			'a.example.com AAAA',
			'b.example.com A'
		]);
		expect(input[0].fqdn).toBe('b.example.com');
	});

	it('puts a record of the current zone before the same name left in earlier zones', () => {
		const input = [
			makeDnsRecord({ state: 'earlier_zone', zone_name: 'old.example' }),
			makeDnsRecord({ state: 'earlier_zone', zone_name: 'older.example' }),
			makeDnsRecord({ state: 'outside_zone' }),
			makeDnsRecord({ state: 'earlier_zone', zone_name: 'example.org' })
		];
		expect(sortRecords(input).map((r) => `${r.state} ${r.zone_name ?? ''}`.trim())).toEqual([
			'outside_zone',
			'earlier_zone example.org',
			'earlier_zone old.example',
			'earlier_zone older.example'
		]);
	});
});

describe('recordKeys', () => {
	it('keys a record by name and type, and by zone when it is left in an earlier zone', () => {
		expect(
			recordKeys([
				makeDnsRecord({ fqdn: 'a.example.com', type: 'A' }),
				makeDnsRecord({ fqdn: 'a.example.com', type: 'AAAA' }),
				makeDnsRecord({ fqdn: 'a.example.com', type: 'A', state: 'earlier_zone', zone_name: 'example.com' }),
				makeDnsRecord({ fqdn: 'a.example.com', type: 'A', state: 'earlier_zone', zone_name: 'example.org' })
			])
		).toEqual(['a.example.com A', 'a.example.com AAAA', 'a.example.com A in example.com', 'a.example.com A in example.org']);
	});

	it('never gives two records the same key', () => {
		const twice = makeDnsRecord({ state: 'earlier_zone', zone_name: '' });
		const keys = recordKeys([twice, { ...twice }, makeDnsRecord(), makeDnsRecord()]);
		expect(new Set(keys).size).toBe(4);
		expect(keys[1]).toBe(`${keys[0]} #2`);
	});
});

describe('earlier zones', () => {
	it('names a zone by its name, else by its id', () => {
		expect(cleanupZone({ zone_name: 'example.org', zone_id: 'abc' })).toBe('example.org');
		expect(cleanupZone({ zone_name: '', zone_id: 'abc' })).toBe('abc');
		expect(cleanupZone({ zone_name: '', zone_id: '' })).toBe('an unnamed zone');
	});

	it('counts the records left', () => {
		expect(cleanupCount({ records: 1 })).toBe('1 record left');
		expect(cleanupCount({ records: 3 })).toBe('3 records left');
	});

	it('tells whether a filter is set', () => {
		expect(filtersActive({})).toBe(false);
		expect(filtersActive({ q: '  ', state: '', kind: '' })).toBe(false);
		expect(filtersActive({ q: 'web' })).toBe(true);
		expect(filtersActive({ state: 'error' })).toBe(true);
		expect(filtersActive({ kind: 'proxy' })).toBe(true);
	});
});

describe('report summaries', () => {
	const report = makeSyncReport({
		created: 2,
		updated: 0,
		deleted: 1,
		already_synced: 3,
		conflicts: 1,
		errors: 0,
		api_calls: 2,
		duration_ms: 41
	});

	it('says what a sync did, with its cost', () => {
		expect(reportSummary(report)).toBe(
			'Sync done: 2 created, 0 updated, 1 deleted, 3 in sync, 1 conflict, 0 errors — 2 API calls, 41 ms'
		);
	});

	it('says what a dry run would do', () => {
		expect(reportSummary({ ...report, dry_run: true, api_calls: 1, conflicts: 2, errors: 1 })).toBe(
			'Dry run: 2 to create, 0 to update, 1 to delete, 3 in sync, 2 conflicts, 1 error — 1 API call, 41 ms'
		);
		expect(reportCounts({ ...report, dry_run: true })).toBe('2 to create, 0 to update, 1 to delete, 3 in sync, 1 conflict, 0 errors');
	});

	it('says that wildcard mode has nothing to do', () => {
		expect(reportSummary(makeSyncReport({ mode: 'wildcard' }))).toBe(
			'Sync: nothing to do in wildcard mode; no record is written to a provider.'
		);
		expect(reportSummary(makeSyncReport({ mode: 'wildcard', dry_run: true }))).toMatch(/^Dry run: nothing to do/);
		expect(reportIdle(makeSyncReport({ mode: 'wildcard' }))).toBe(true);
		expect(reportIdle(makeSyncReport({ mode: 'managed' }))).toBe(false);
	});

	it('counts what a wildcard-mode sync removed from an earlier zone', () => {
		const removed = makeSyncReport({ mode: 'wildcard', deleted: 2, api_calls: 2, duration_ms: 12 });
		expect(reportIdle(removed)).toBe(false);
		expect(reportSummary(removed)).toBe('Sync done: 0 created, 0 updated, 2 deleted, 0 in sync, 0 conflicts, 0 errors — 2 API calls, 12 ms');
		expect(reportIdle(makeSyncReport({ mode: 'wildcard', errors: 1 }))).toBe(false);
	});

	it('formats durations', () => {
		expect(formatMillis(0)).toBe('0 ms');
		expect(formatMillis(41.4)).toBe('41 ms');
		expect(formatMillis(1234)).toBe('1.2 s');
		expect(formatMillis(75_400)).toBe('75 s');
	});

	it('picks the toast kind: error, then conflicts, then success', () => {
		expect(reportKind(report)).toBe('info');
		expect(reportKind({ ...report, errors: 1 })).toBe('error');
		expect(reportKind({ ...report, conflicts: 0 })).toBe('success');
	});
});

describe('report lines', () => {
	const line = (over: Partial<DnsSyncLine>): DnsSyncLine => ({
		fqdn: 'app.example.com',
		type: 'A',
		content: '203.0.113.10',
		action: 'create',
		error: '',
		...over
	});

	it('labels actions as planned in a dry run and as done after a sync', () => {
		expect(actionLabel('create', true)).toBe('Create');
		expect(actionLabel('create', false)).toBe('Created');
		expect(actionLabel('delete', false)).toBe('Deleted');
		expect(actionLabel('error', false)).toBe('Failed');
		expect(actionLabel('in_sync', true)).toBe('In sync');
		expect(actionLabel('outside_zone', true)).toBe('Outside zone');
		expect(actionLabel('adopt_maybe', true)).toBe('adopt maybe');
	});

	it('colours actions', () => {
		expect(actionTone('create')).toBe('ok');
		expect(actionTone('conflict')).toBe('bad');
		expect(actionTone('error')).toBe('bad');
		expect(actionTone('delete')).toBe('warn');
		expect(actionTone('nope')).toBe('neutral');
	});

	it('writes a line as text, with the error', () => {
		expect(syncLineText(line({}), true)).toBe('Create A app.example.com → 203.0.113.10');
		expect(syncLineText(line({ action: 'conflict', error: 'not ours' }), false)).toBe(
			'Conflict A app.example.com → 203.0.113.10: not ours'
		);
		expect(syncLineText(line({ action: 'delete', content: '' }), false)).toBe('Deleted A app.example.com');
	});

	it('puts problems first and keeps the in-sync lines apart', () => {
		const r = makeSyncReport({
			records: [
				line({ fqdn: 'z.example.com', action: 'in_sync' }),
				line({ fqdn: 'b.example.com', action: 'create' }),
				line({ fqdn: 'c.example.com', action: 'conflict' }),
				line({ fqdn: 'a.example.com', action: 'create' }),
				line({ fqdn: 'd.example.com', action: 'error' }),
				line({ fqdn: 'e.example.com', action: 'in_sync' })
			]
		});
		const { changes, inSync } = reportLines(r);
		expect(changes.map((l) => `${l.action} ${l.fqdn}`)).toEqual([
			'error d.example.com',
			'conflict c.example.com',
			'create a.example.com',
			'create b.example.com'
		]);
		expect(inSync.map((l) => l.fqdn)).toEqual(['e.example.com', 'z.example.com']);
	});

	it('copes with a report without lines', () => {
		expect(reportLines(makeSyncReport({ records: null }))).toEqual({ changes: [], inSync: [] });
	});
});

describe('deletedMessage', () => {
	it('names the deleted types', () => {
		expect(deletedMessage('a.example.com', [{ type: 'A' }])).toBe('Deleted the A record of a.example.com.');
		expect(deletedMessage('a.example.com', [{ type: 'AAAA' }, { type: 'A' }])).toBe(
			'Deleted the A and AAAA records of a.example.com.'
		);
		expect(deletedMessage('a.example.com', null)).toBe('Deleted the records of a.example.com.');
	});
});
