import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff } from './events.svelte';
import { fakeLive as world } from './test/event-source';

describe('LiveEvents', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('opens one stream for all subscribers and closes it with the last', () => {
		const { live, sources } = world();
		const stopA = live.subscribe(['consumers_changed'], () => {});
		const stopB = live.subscribe([], () => {});
		expect(sources).toHaveLength(1);
		sources[0].open();
		expect(live.connected).toBe(true);
		stopA();
		expect(sources[0].closed).toBe(false);
		stopB();
		expect(sources[0].closed).toBe(true);
		expect(live.connected).toBe(false);
	});

	it('delivers events of the kinds asked for, and keeps the recent ones', () => {
		const { live, sources } = world();
		const heard: string[] = [];
		const all: string[] = [];
		live.subscribe(['dns_synced'], (e) => heard.push(`${e?.kind}/${e?.id}`));
		live.subscribe([], (e) => all.push(String(e?.kind)));
		sources[0].open();
		sources[0].send('consumers_changed', '{"subject":"proxy","id":4}');
		sources[0].send('dns_synced', '{"subject":"","id":0}');
		sources[0].send('apps_changed', 'not json');
		sources[0].send('certificates_changed', '{}');
		expect(heard).toEqual(['dns_synced/0']);
		expect(all).toEqual(['consumers_changed', 'dns_synced', 'apps_changed', 'certificates_changed']);
		expect(live.recent.map((e) => e.kind)).toEqual(['certificates_changed', 'apps_changed', 'dns_synced']);
		expect(live.recent[2].subject).toBe('');
	});

	it('reconnects after a drop with growing pauses, and tells everyone to refetch', () => {
		const { live, sources } = world();
		const missed: boolean[] = [];
		live.subscribe(['consumers_changed'], (_e, m) => missed.push(m));
		sources[0].open();
		expect(missed).toEqual([]); // the first open misses nothing
		sources[0].fail();
		expect(sources[0].closed).toBe(true);
		expect(live.connected).toBe(false);
		vi.advanceTimersByTime(99);
		expect(sources).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(sources).toHaveLength(2);
		sources[1].fail(); // still down: a longer pause
		vi.advanceTimersByTime(199);
		expect(sources).toHaveLength(2);
		vi.advanceTimersByTime(1);
		sources[2].open();
		expect(live.connected).toBe(true);
		expect(missed).toEqual([true]);
		// A late event of a closed stream is ignored.
		sources[0].onopen?.(new Event('open'));
		expect(missed).toEqual([true]);
	});

	it('tells everyone to refetch on the server resync', () => {
		const { live, sources } = world();
		let refetch = 0;
		live.subscribe(['dns_synced'], (e, m) => {
			if (m && e === null) refetch++;
		});
		sources[0].open();
		sources[0].send('resync', '');
		expect(refetch).toBe(1);
	});

	it('stops its reconnection when the last subscriber leaves', () => {
		const { live, sources } = world();
		const stop = live.subscribe([], () => {});
		sources[0].fail();
		stop();
		vi.advanceTimersByTime(10_000);
		expect(sources).toHaveLength(1);
	});
});

describe('backoff', () => {
	it('doubles from half a second up to 30 s', () => {
		expect([1, 2, 3, 4, 10, 20].map(backoff)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
	});
});
