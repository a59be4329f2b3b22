import { describe, expect, it } from 'vitest';
import { INSTANCE_KINDS, coalesce, followEvents } from './apps-live';
import type { Listener } from './events.svelte';

/** A run that waits until released, counting its starts. */
function gatedRun() {
	const state = { starts: 0, release: () => {} };
	const run = () => {
		state.starts++;
		return new Promise<void>((resolve) => (state.release = resolve));
	};
	return { state, run };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('coalesce', () => {
	it('runs at once when idle', async () => {
		const { state, run } = gatedRun();
		const trigger = coalesce(run);
		void trigger();
		expect(state.starts).toBe(1);
		state.release();
		await tick();
	});

	it('turns a burst during a run into one more run after it, not a queue', async () => {
		const { state, run } = gatedRun();
		const trigger = coalesce(run);
		const done = trigger();
		for (let i = 0; i < 10; i++) void trigger();
		expect(state.starts).toBe(1);
		state.release();
		await tick();
		expect(state.starts).toBe(2);
		state.release();
		await done;
		expect(state.starts).toBe(2);
		// Idle again: the next trigger runs at once.
		void trigger();
		expect(state.starts).toBe(3);
		state.release();
		await tick();
	});

	it('forgets a run that throws and runs again at the next trigger', async () => {
		let calls = 0;
		const trigger = coalesce(async () => {
			calls++;
			throw new Error('down');
		});
		await trigger();
		await trigger();
		expect(calls).toBe(2);
	});
});

describe('INSTANCE_KINDS', () => {
	it('takes the certificates too: an instance gets its HTTPS URL when its certificate comes, without a reload', () => {
		expect(INSTANCE_KINDS).toContain('certificates_changed');
		expect(INSTANCE_KINDS).toContain('consumers_changed');
		expect(INSTANCE_KINDS).toContain('instance_progress');
	});
});

describe('followEvents', () => {
	it('subscribes to its kinds and refetches on each event and on "missed", until stopped', async () => {
		const subs: { kinds: readonly string[]; listener: Listener; stopped: boolean }[] = [];
		const live = {
			subscribe(kinds: readonly string[], listener: Listener) {
				const sub = { kinds, listener, stopped: false };
				subs.push(sub);
				return () => (sub.stopped = true);
			}
		};
		let fetches = 0;
		const stop = followEvents(INSTANCE_KINDS, async () => void fetches++, live);
		expect(subs.map((s) => s.kinds)).toEqual([INSTANCE_KINDS]);
		subs[0].listener({ kind: 'instance_progress', subject: 'instance', id: 1, at: 0 }, false);
		await tick();
		// The stream dropped or fell behind: refetch too.
		subs[0].listener(null, true);
		await tick();
		expect(fetches).toBe(2);
		stop();
		expect(subs[0].stopped).toBe(true);
	});
});
