import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { LogFollower, followStatus, followURL } from './log-follower.svelte';
import { FakeSource } from './test/event-source';

function world(probe: (id: number) => Promise<unknown> = async () => '') {
	const sources: FakeSource[] = [];
	const urls: string[] = [];
	const probes: number[] = [];
	const follower = new LogFollower({
		open: (url) => {
			const s = new FakeSource();
			sources.push(s);
			urls.push(url);
			return s;
		},
		probe: (id) => {
			probes.push(id);
			return probe(id);
		},
		backoff: (n) => n * 1000,
		flushMs: 50,
		cap: 5
	});
	const last = () => sources[sources.length - 1];
	const lastURL = () => urls[urls.length - 1];
	const texts = () => follower.lines.map((l) => l.text);
	return { follower, sources, probes, last, lastURL, texts };
}

/** The server sends a line (an event without a name: "message"). */
function line(s: FakeSource, data: string) {
	s.send('message', data);
}

describe('LogFollower', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('follows the tail asked for and shows the lines in batches', () => {
		const { follower, sources, last, lastURL, texts } = world();
		follower.start(7, '500');
		expect(sources).toHaveLength(1);
		expect(lastURL()).toBe('/api/instances/7/logs?tail=500&follow=1');
		expect(follower.state).toBe('connecting');
		last().open();
		expect(follower.state).toBe('following');
		line(last(), 'one');
		line(last(), 'two\nthree');
		// Not yet: lines are shown together, a few times a second.
		expect(texts()).toEqual([]);
		vi.advanceTimersByTime(50);
		expect(texts()).toEqual(['one', 'two', 'three']);
	});

	it('keeps at most the cap of lines, counting those dropped', () => {
		const { follower, last, texts } = world();
		follower.start(1);
		last().open();
		for (let i = 1; i <= 8; i++) line(last(), `l${i}`);
		vi.advanceTimersByTime(50);
		expect(texts()).toEqual(['l4', 'l5', 'l6', 'l7', 'l8']);
		expect(follower.trimmed).toBe(3);
	});

	it('pause: the view stays as it is and the new lines are held; resume shows them', () => {
		const { follower, last, texts } = world();
		follower.start(1);
		last().open();
		line(last(), 'before');
		// A pause shows what came before it.
		follower.pause();
		expect(texts()).toEqual(['before']);
		expect(follower.paused).toBe(true);
		line(last(), 'during 1');
		line(last(), 'during 2');
		vi.advanceTimersByTime(200);
		expect(texts()).toEqual(['before']);
		expect(follower.held).toBe(2);
		// The stream stays open meanwhile.
		expect(last().closed).toBe(false);
		follower.resume();
		expect(texts()).toEqual(['before', 'during 1', 'during 2']);
		expect([follower.paused, follower.held]).toEqual([false, 0]);
	});

	it('while paused, holds at most the cap and says how many were dropped', () => {
		const { follower, last, texts } = world();
		follower.start(1);
		last().open();
		follower.pause();
		for (let i = 1; i <= 7; i++) line(last(), `l${i}`);
		vi.advanceTimersByTime(50);
		expect([follower.held, follower.heldDropped]).toEqual([5, 2]);
		follower.resume();
		expect(texts()).toEqual(['l3', 'l4', 'l5', 'l6', 'l7']);
	});

	it('ends with the container and says so', () => {
		const { follower, last, texts } = world();
		follower.start(1);
		last().open();
		line(last(), 'last words');
		last().send('end', '');
		expect(follower.state).toBe('ended');
		expect(last().closed).toBe(true);
		expect(texts()).toEqual(['last words', 'The container stopped: following ended.']);
		expect(follower.lines.at(-1)?.note).toBe(true);
	});

	it('follows again once the container runs again after a stop, keeping the lines', () => {
		const { follower, sources, last, lastURL, texts } = world();
		follower.instanceChanged({ container_id: 'c1', status: 'running' });
		follower.start(1, '100');
		last().open();
		line(last(), 'first run');
		follower.instanceChanged({ container_id: 'c1', status: 'stopped' });
		last().send('end', '');
		expect(follower.state).toBe('ended');
		// Still stopped: nothing happens.
		follower.instanceChanged({ container_id: 'c1', status: 'stopped' });
		expect(sources).toHaveLength(1);
		follower.instanceChanged({ container_id: 'c1', status: 'running' });
		expect(sources).toHaveLength(2);
		expect(lastURL()).toBe(followURL(1, '100'));
		last().open();
		line(last(), 'second run');
		vi.advanceTimersByTime(50);
		expect(texts()).toEqual([
			'first run',
			'The container stopped: following ended.',
			'The container runs again: last 100 lines.',
			'second run'
		]);
	});

	it('an end after the instance already runs again (restarted or replaced) follows again at once', () => {
		const { follower, sources, last } = world();
		follower.instanceChanged({ container_id: 'old', status: 'running' });
		follower.start(1);
		last().open();
		follower.instanceChanged({ container_id: 'new', status: 'running' });
		last().send('end', '');
		expect(sources).toHaveLength(2);
		expect(follower.state).toBe('connecting');
	});

	it('a lost connection is tried again after a pause, with a note', () => {
		const { follower, sources, last, probes, texts } = world();
		follower.start(3);
		last().open();
		line(last(), 'a');
		last().fail();
		expect(last().closed).toBe(true);
		expect(follower.state).toBe('reconnecting');
		expect(probes).toEqual([]);
		expect(texts()).toEqual(['a', 'Connection lost. Following again with the last 100 lines, so some may repeat.']);
		vi.advanceTimersByTime(999);
		expect(sources).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(sources).toHaveLength(2);
		last().open();
		expect(follower.state).toBe('following');
	});

	it("a refused stream shows the API's reason (409: no container; 502: no engine)", async () => {
		const { follower, last, probes } = world(async () => {
			throw new ApiError(409, 'the instance has no container');
		});
		follower.start(4);
		last().fail();
		await vi.waitFor(() => expect(follower.state).toBe('error'));
		expect(probes).toEqual([4]);
		expect(follower.error).toBe('Could not follow the logs: the instance has no container');

		const engine = world(async () => {
			throw new ApiError(502, 'the Docker Engine cannot be reached: dial unix: no such file');
		});
		engine.follower.start(4);
		engine.last().fail();
		await vi.waitFor(() => expect(engine.follower.state).toBe('error'));
		expect(engine.follower.error).toMatch(/^Could not follow the logs: the Docker Engine cannot be reached.*Try again once the engine answers\.$/);
	});

	it('after a refusal, follows once the instance runs with a container', async () => {
		const { follower, sources } = world(async () => {
			throw new ApiError(409, 'the instance has no container');
		});
		follower.instanceChanged({ container_id: '', status: 'deploying' });
		follower.start(4);
		sources[0].fail();
		await vi.waitFor(() => expect(follower.state).toBe('error'));
		follower.instanceChanged({ container_id: 'c9', status: 'running' });
		expect(sources).toHaveLength(2);
	});

	it('a stream that failed although the logs answer is tried again', async () => {
		const { follower, sources, probes } = world();
		follower.start(5);
		sources[0].fail();
		await vi.waitFor(() => expect(follower.state).toBe('reconnecting'));
		expect(probes).toEqual([5]);
		vi.advanceTimersByTime(1000);
		expect(sources).toHaveLength(2);
	});

	it('another tail starts an empty view; stop closes the stream and keeps the lines', () => {
		const { follower, sources, last, lastURL, texts } = world();
		follower.start(1, '100');
		last().open();
		line(last(), 'x');
		vi.advanceTimersByTime(50);
		follower.setTail('100');
		expect(sources).toHaveLength(1);
		follower.setTail('all');
		expect(sources[0].closed).toBe(true);
		expect(lastURL()).toBe('/api/instances/1/logs?tail=all&follow=1');
		expect(texts()).toEqual([]);
		last().open();
		line(last(), 'y');
		follower.stop();
		expect(last().closed).toBe(true);
		expect(follower.state).toBe('idle');
		expect(texts()).toEqual(['y']);
		// An old stream's events change nothing.
		line(sources[0], 'stale');
		sources[0].send('end', '');
		vi.advanceTimersByTime(100);
		expect(texts()).toEqual(['y']);
	});
});

describe('followStatus', () => {
	const base = { state: 'following' as const, error: null, paused: false, held: 0, heldDropped: 0 };

	it('says what the stream does', () => {
		expect(followStatus(base)).toBe('Following: new lines appear as the container writes them.');
		expect(followStatus({ ...base, state: 'connecting' })).toBe('Connecting…');
		expect(followStatus({ ...base, state: 'reconnecting' })).toBe('Connection lost: connecting again…');
		expect(followStatus({ ...base, state: 'ended' })).toBe('The container stopped: following ended.');
		expect(followStatus({ ...base, state: 'idle' })).toBe('Not following.');
		expect(followStatus({ ...base, state: 'error', error: 'Could not follow the logs: no container' })).toBe('Could not follow the logs: no container');
	});

	it('while paused: how many lines wait, and how many were dropped', () => {
		expect(followStatus({ ...base, paused: true })).toBe('Paused: new lines are held until you resume.');
		expect(followStatus({ ...base, paused: true, held: 1 })).toBe('Paused: 1 new line, shown when you resume.');
		expect(followStatus({ ...base, paused: true, held: 5000, heldDropped: 20 })).toBe(
			'Paused: 5000 new lines, shown when you resume; 20 lines before them were dropped (the view keeps the newest).'
		);
	});
});
