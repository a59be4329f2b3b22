import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, refetchOn } from './live';
import { fakeLive } from './test/event-source';

describe('debounce', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('runs once per burst, after the last call', () => {
		let runs = 0;
		const d = debounce(() => runs++, 100);
		d();
		vi.advanceTimersByTime(60);
		d();
		vi.advanceTimersByTime(60);
		d();
		expect(runs).toBe(0);
		expect(d.pending).toBe(true);
		vi.advanceTimersByTime(99);
		expect(runs).toBe(0);
		vi.advanceTimersByTime(1);
		expect(runs).toBe(1);
		expect(d.pending).toBe(false);
		vi.advanceTimersByTime(1000);
		expect(runs).toBe(1);
		d();
		vi.advanceTimersByTime(100);
		expect(runs).toBe(2);
	});

	it('runs at the latest maxWait after the first call of a steady stream', () => {
		let runs = 0;
		const d = debounce(() => runs++, 100, 250);
		for (let t = 0; t < 200; t += 50) {
			d(); // every 50 ms: never a 100 ms pause
			vi.advanceTimersByTime(50);
		}
		d();
		vi.advanceTimersByTime(49);
		expect(runs).toBe(0);
		vi.advanceTimersByTime(1); // 250 ms after the first call
		expect(runs).toBe(1);
		d(); // a new burst starts its own count
		vi.advanceTimersByTime(99);
		expect(runs).toBe(1);
		vi.advanceTimersByTime(1);
		expect(runs).toBe(2);
	});

	it('flushes and cancels what waits', () => {
		let runs = 0;
		const d = debounce(() => runs++, 100);
		d.flush();
		expect(runs).toBe(0);
		d();
		d.flush();
		expect(runs).toBe(1);
		vi.advanceTimersByTime(200);
		expect(runs).toBe(1);
		d();
		d.cancel();
		vi.advanceTimersByTime(200);
		expect(runs).toBe(1);
	});
});

describe('refetchOn', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('refetches once per burst of its kinds, not for others', () => {
		const { live, sources } = fakeLive();
		let refetches = 0;
		const stop = refetchOn(['consumers_changed', 'dns_synced'], () => refetches++, { live, wait: 100 });
		sources[0].open();
		sources[0].send('consumers_changed', '{"subject":"proxy","id":1}');
		sources[0].send('consumers_changed', '{"subject":"proxy","id":2}');
		sources[0].send('dns_synced', '{"subject":"dns"}');
		sources[0].send('apps_changed', '{"subject":"app","id":1}');
		vi.advanceTimersByTime(100);
		expect(refetches).toBe(1);
		sources[0].send('apps_changed', '{"subject":"app","id":2}');
		vi.advanceTimersByTime(500);
		expect(refetches).toBe(1);
		stop();
		expect(sources[0].closed).toBe(true);
	});

	it('refetches after a reconnection, when events may have been missed', () => {
		const { live, sources } = fakeLive();
		let refetches = 0;
		refetchOn(['certificates_changed'], () => refetches++, { live, wait: 50 });
		sources[0].open();
		sources[0].fail(); // the server went away
		vi.advanceTimersByTime(100);
		sources[1].fail(); // still away
		vi.advanceTimersByTime(200);
		expect(refetches).toBe(0);
		sources[2].open(); // back
		vi.advanceTimersByTime(50);
		expect(refetches).toBe(1);
		sources[2].send('resync', '{}'); // the server says this client fell behind
		vi.advanceTimersByTime(50);
		expect(refetches).toBe(2);
	});

	it('forgets a waiting refetch when stopped', () => {
		const { live, sources } = fakeLive();
		let refetches = 0;
		const stop = refetchOn([], () => refetches++, { live, wait: 100 });
		sources[0].open();
		sources[0].send('settings_changed', '{"subject":"settings"}');
		stop();
		vi.advanceTimersByTime(500);
		expect(refetches).toBe(0);
	});
});
