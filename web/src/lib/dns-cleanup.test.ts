import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	cleanupCounts,
	cleanupMessage,
	cleanupState,
	cleanupSteps,
	cleanupsPending,
	savedCleanups,
	updateCleanups,
	type TrackedCleanup
} from './dns-cleanup';
import { CleanupWatch } from './dns-cleanup.svelte';
import { fakeLive } from './test/event-source';
import type { DnsCleanup } from './types/dns';

const LEFT = '2026-05-01T12:00:00.000000001Z';
const TRIED = '2026-05-01T12:00:00.4Z';

function zone(overrides: Partial<DnsCleanup> = {}): DnsCleanup {
	return { provider: 'cloudflare', zone_id: 'z1', zone_name: 'example.com', records: 3, last_error: '', updated_at: LEFT, ...overrides };
}

function tracked(now: DnsCleanup | null, announce = true, start = zone()): TrackedCleanup {
	return { key: 'cloudflare z1', start, now, announce };
}

describe('cleanupState', () => {
	it.each([
		['the sync has not run', tracked(zone()), 'removing'],
		['some records are gone, no error', tracked(zone({ records: 1, updated_at: TRIED })), 'removing'],
		['the zone is gone from the list', tracked(null), 'done'],
		['a try failed', tracked(zone({ last_error: 'token refused', updated_at: TRIED })), 'failed'],
		// The records' own error from before the save (a create the provider refused): no try yet.
		['an error from before the save, no try since', tracked(zone({ last_error: 'create refused' }), true, zone({ last_error: 'create refused' })), 'removing'],
		['an error of a zone loaded with the page', tracked(zone({ last_error: 'token refused' }), false, zone({ last_error: 'token refused' })), 'failed'],
		// No credentials were kept (a database from before): no time, the error says it.
		['no credentials kept', tracked(zone({ updated_at: null, last_error: 'no credentials' }), false, zone({ updated_at: null })), 'failed']
	])('%s: %s', (_name, t, want) => {
		expect(cleanupState(t)).toBe(want);
	});
});

describe('updateCleanups and savedCleanups', () => {
	const other = zone({ zone_id: 'z2', zone_name: 'example.net', records: 1 });

	it('updates the zones followed, marks the missing ones done and starts new ones', () => {
		const next = updateCleanups([tracked(zone())], [zone({ records: 2, updated_at: TRIED }), other], false);
		expect(next.map((t) => [t.key, t.now?.records ?? null, t.announce])).toEqual([
			['cloudflare z1', 2, true],
			['cloudflare z2', 1, false]
		]);
		expect(next[0].start.records).toBe(3);
		const gone = updateCleanups(next, [], false);
		expect(gone.map(cleanupState)).toEqual(['done', 'done']);
	});

	it('announces only the zones the save left; drops the removals that ended before it', () => {
		const loaded = updateCleanups([], [other], false);
		const done = tracked(null);
		const next = savedCleanups([...loaded, done], [other], [other, zone({ zone_id: 'z3', zone_name: 'example.org' })]);
		expect(next.map((t) => [t.key, t.announce])).toEqual([
			['cloudflare z2', false],
			['cloudflare z3', true]
		]);
	});

	it('does not announce a zone left before the save that the page had not seen', () => {
		expect(savedCleanups([], [other], [other])[0].announce).toBe(false);
	});

	it('knows when nothing is left to remove', () => {
		expect(cleanupsPending([tracked(null)])).toBe(false);
		expect(cleanupsPending([tracked(null), tracked(zone({ last_error: 'x', updated_at: TRIED }))])).toBe(true);
		expect(cleanupsPending([])).toBe(false);
	});
});

describe('counts, messages and steps', () => {
	it('counts what is removed against the first count', () => {
		expect(cleanupCounts(tracked(zone({ records: 1 })))).toEqual({ removed: 2, total: 3 });
		expect(cleanupCounts(tracked(null))).toEqual({ removed: 3, total: 3 });
	});

	it('says what happens, in one sentence each', () => {
		expect(cleanupMessage(tracked(zone({ records: 2 })))).toBe('Removing 3 records from example.com at Cloudflare: 1 of 3 removed.');
		expect(cleanupMessage(tracked(null))).toBe('Removed the 3 records Docker Watcher created in example.com at Cloudflare.');
		expect(cleanupMessage(tracked(null, true, zone({ records: 1 })))).toBe('Removed the record Docker Watcher created in example.com at Cloudflare.');
		expect(cleanupMessage(tracked(zone({ last_error: 'cloudflare: Authentication error (10000)', updated_at: TRIED })))).toBe(
			'Could not remove the records of example.com: Cloudflare: Authentication error (10000). Every sync tries again.'
		);
		expect(cleanupMessage(tracked(null, true, zone({ zone_name: '', records: 2 })))).toBe(
			'Removed the 2 records Docker Watcher created in z1 at Cloudflare.'
		);
	});

	it('lists the steps: left, removed with a bar, done; a failure with its message', () => {
		const removing = cleanupSteps(tracked(zone({ records: 2 })));
		expect(removing.map((s) => [s.step, s.state])).toEqual([
			['left', 'done'],
			['remove', 'current'],
			['done', 'todo']
		]);
		expect(removing[0].label).toBe('example.com is no longer managed');
		expect(removing[1]).toMatchObject({ label: 'Remove 3 records at Cloudflare', detail: '1 of 3 removed' });
		expect(removing[1].fraction).toBeCloseTo(1 / 3);

		const failed = cleanupSteps(tracked(zone({ last_error: 'token refused', updated_at: TRIED })));
		expect(failed.map((s) => s.state)).toEqual(['done', 'failed', 'todo']);
		expect(failed[1]).toMatchObject({ detail: 'token refused', fraction: null });

		const done = cleanupSteps(tracked(null));
		expect(done.map((s) => s.state)).toEqual(['done', 'done', 'done']);
		expect(done[1]).toMatchObject({ detail: '', fraction: null });
	});
});

describe('CleanupWatch', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	function world(answers: DnsCleanup[][]) {
		const { live, sources } = fakeLive();
		const said: string[] = [];
		let reads = 0;
		const watch = new CleanupWatch({
			read: async () => {
				reads++;
				const a = answers.shift();
				if (!a) throw new Error('the server is away');
				return a;
			},
			live,
			notify: { success: (m) => said.push(`ok: ${m}`) as unknown as number, error: (m) => said.push(`error: ${m}`) as unknown as number }
		});
		return { watch, sources, said, reads: () => reads };
	}

	/** A sync ran: the event, then the debounced read. */
	async function synced(sources: ReturnType<typeof fakeLive>['sources']) {
		sources[0].send('dns_synced', '{"subject":"dns"}');
		await vi.advanceTimersByTimeAsync(3000);
	}

	it('follows a zone a save left to its removal, with one toast at the end', async () => {
		const { watch, sources, said, reads } = world([[zone({ records: 1, updated_at: TRIED })], []]);
		watch.saved([], [zone()]);
		expect(sources).toHaveLength(1);
		sources[0].open();
		expect(watch.tracked.map(cleanupState)).toEqual(['removing']);
		await synced(sources);
		expect(watch.tracked.map((t) => t.now?.records)).toEqual([1]);
		expect(said).toEqual([]);
		await synced(sources);
		expect(watch.tracked.map(cleanupState)).toEqual(['done']);
		expect(said).toEqual(['ok: Removed the 3 records Docker Watcher created in example.com at Cloudflare.']);
		// Nothing left to follow: the stream is let go.
		expect(sources[0].closed).toBe(true);
		expect(reads()).toBe(2);
	});

	it("tells a failed try with the server's message once, and the later success too", async () => {
		const failed = zone({ last_error: 'token refused', updated_at: TRIED });
		const { watch, sources, said } = world([[failed], [{ ...failed, updated_at: '2026-05-01T12:10:00Z' }], []]);
		watch.saved([], [zone()]);
		sources[0].open();
		await synced(sources);
		expect(said).toEqual(['error: Could not remove the records of example.com: Token refused. Every sync tries again.']);
		await synced(sources); // failed again: no second toast
		expect(said).toHaveLength(1);
		expect(sources[0].closed).toBe(false);
		await synced(sources);
		expect(said.at(-1)).toBe('ok: Removed the 3 records Docker Watcher created in example.com at Cloudflare.');
	});

	it('shows what the page loaded without toasts, and keeps it through a failed read', async () => {
		const { watch, sources, said } = world([]);
		watch.loaded([zone({ last_error: 'token refused' })]);
		sources[0].open();
		expect(watch.tracked.map(cleanupState)).toEqual(['failed']);
		await synced(sources); // the read fails
		expect(watch.tracked.map(cleanupState)).toEqual(['failed']);
		expect(said).toEqual([]);
		watch.stop();
		expect(sources[0].closed).toBe(true);
	});

	it('follows nothing when nothing is left', () => {
		const { watch, sources } = world([]);
		watch.loaded([]);
		watch.saved([], []);
		expect(sources).toHaveLength(0);
	});
});
