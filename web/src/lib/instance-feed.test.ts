import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import type { LiveEvent, Listener } from './events.svelte';
import { FEED_KINDS, InstanceFeed, type FeedDeps } from './instance-feed.svelte';
import { makeDnsRecord, makeInstance, makeRecordList } from './test/factories';
import type { Instance } from './types/instance';

/** A server of instances the test changes, and the calls the feed made. */
function world(options: { id?: number } = {}) {
	let listener: Listener = () => {};
	let kinds: readonly string[] = [];
	const server = new Map<number, Instance>([
		[1, makeInstance({ id: 1, subdomain: 'a', fqdn: 'a.example.com' })],
		[2, makeInstance({ id: 2, subdomain: 'b', fqdn: 'b.example.com' })]
	]);
	const calls: string[] = [];
	const ended: Instance[] = [];
	const deps: FeedDeps = {
		listInstances: vi.fn(async () => {
			calls.push('list');
			return [...server.values()];
		}),
		getInstance: vi.fn(async (id: number) => {
			calls.push(`get ${id}`);
			const inst = server.get(id);
			if (!inst) throw new ApiError(404, `no instance with id ${id}`);
			return inst;
		}),
		listApps: vi.fn(async () => {
			calls.push('apps');
			return [];
		}),
		listRecords: vi.fn(async (filter) => {
			calls.push(`records ${filter.kind}`);
			return makeRecordList({ records: [makeDnsRecord({ consumer_kind: 'instance', consumer_id: 1 })] });
		}),
		live: {
			subscribe(k, l) {
				kinds = k;
				listener = l;
				return () => (listener = () => {});
			}
		},
		batchMs: 100
	};
	const feed = new InstanceFeed({ ...options, onended: (i) => ended.push(i) }, deps);
	const event = (kind: string, subject = 'instance', id = 0) => listener({ kind, subject, id, at: 0 } as LiveEvent, false);
	const missed = () => listener(null, true);
	return { feed, server, calls, ended, event, missed, settle, kinds: () => kinds };
}

/** Let the batch timer fire and the requests answer. */
async function settle() {
	await vi.advanceTimersByTimeAsync(100);
	await vi.advanceTimersByTimeAsync(0);
}

describe('InstanceFeed', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('loads the list, the apps and the records of instances (one request each), and listens to its kinds', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		expect(w.calls.sort()).toEqual(['apps', 'list', 'records instance']);
		expect(w.feed.instances.map((i) => i.id)).toEqual([1, 2]);
		expect(w.feed.records).toHaveLength(1);
		expect(w.feed.loaded).toBe(true);
		expect(w.kinds()).toEqual(FEED_KINDS);
	});

	it('reads only the instances that changed, once for a burst of events', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		w.calls.length = 0;
		w.server.set(2, { ...w.server.get(2)!, status: 'stopped' });
		w.event('instance_progress', 'instance', 2);
		w.event('instance_progress', 'instance', 2);
		w.event('consumers_changed', 'instance', 2);
		await w.settle();
		expect(w.calls.sort()).toEqual(['get 2', 'records instance']);
		expect(w.feed.instances.find((i) => i.id === 2)?.status).toBe('stopped');
	});

	it('a progress event reads no records; a proxy changing reads nothing', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		w.calls.length = 0;
		w.event('instance_progress', 'instance', 1);
		w.event('consumers_changed', 'proxy', 1);
		await w.settle();
		expect(w.calls).toEqual(['get 1']);
	});

	it('a new instance is added, a removed one dropped', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		w.server.set(3, makeInstance({ id: 3 }));
		w.server.delete(1);
		w.event('consumers_changed', 'instance', 3);
		w.event('consumers_changed', 'instance', 1);
		await w.settle();
		expect(w.feed.instances.map((i) => i.id)).toEqual([2, 3]);
	});

	it('many changes at once read the whole list; a drop of the stream reads everything', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		w.calls.length = 0;
		for (let id = 10; id < 20; id++) w.event('instance_progress', 'instance', id);
		await w.settle();
		expect(w.calls).toEqual(['list']);
		w.calls.length = 0;
		w.missed();
		await w.settle();
		expect(w.calls.sort()).toEqual(['apps', 'list', 'records instance']);
	});

	it('dns_synced reads the records alone; apps_changed the apps; settings everything but the apps', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		for (const [kind, want] of [
			['dns_synced', ['records instance']],
			['apps_changed', ['apps']],
			['settings_changed', ['list', 'records instance']]
		] as const) {
			w.calls.length = 0;
			w.event(kind, '', 0);
			await w.settle();
			expect(w.calls.sort(), kind).toEqual(want);
		}
	});

	it('certificates_changed reads the list only when an instance shows a certificate, or after a settings change', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		w.calls.length = 0;
		// No certificate anywhere (HTTPS off): nothing to read.
		w.event('certificates_changed', 'certificates');
		await w.settle();
		expect(w.calls).toEqual([]);
		// The settings changed: the next one may bring the first certificates.
		w.event('settings_changed', 'settings');
		await w.settle();
		w.calls.length = 0;
		w.server.set(1, { ...w.server.get(1)!, certificate: { state: 'pending' } });
		w.event('certificates_changed', 'certificates');
		await w.settle();
		expect(w.calls).toEqual(['list']);
		expect(w.feed.instances[0].certificate).toEqual({ state: 'pending' });
		// An instance shows one: each change is read.
		w.calls.length = 0;
		w.event('certificates_changed', 'certificates');
		await w.settle();
		expect(w.calls).toEqual(['list']);
	});

	it('an instance page reads its own instance only, and says when it is gone', async () => {
		const w = world({ id: 2 });
		w.feed.start();
		await w.settle();
		expect(w.calls.sort()).toEqual(['apps', 'get 2', 'records instance']);
		expect(w.feed.instance?.id).toBe(2);
		w.calls.length = 0;
		w.event('instance_progress', 'instance', 1);
		await w.settle();
		expect(w.calls).toEqual([]);
		w.server.delete(2);
		w.event('consumers_changed', 'instance', 2);
		await w.settle();
		expect(w.feed.gone).toBe(true);
		expect(w.feed.instance).toBeNull();
	});

	it('tells once when a followed deploy ends', async () => {
		const w = world();
		w.feed.start();
		await w.settle();
		const before = w.server.get(1)!;
		w.feed.track(before);
		w.server.set(1, { ...before, progress: { step: 'pulling', current: 1, total: 2 } });
		w.event('instance_progress', 'instance', 1);
		await w.settle();
		expect(w.ended).toEqual([]);
		const done = { ...before, progress: { step: 'done' }, updated_at: 'later' };
		w.server.set(1, done);
		w.event('instance_progress', 'instance', 1);
		await w.settle();
		expect(w.ended).toEqual([done]);
		w.event('consumers_changed', 'instance', 1);
		await w.settle();
		expect(w.ended).toHaveLength(1);
	});

	it('an older answer never overwrites a newer one: rounds run one after the other', async () => {
		const answers: ((inst: Instance) => void)[] = [];
		const calls: number[] = [];
		let listener: Listener = () => {};
		// Each read of instance 1 waits for the test to answer it.
		const feed = new InstanceFeed({}, {
			listInstances: async () => [makeInstance({ id: 1, status: 'running' })],
			getInstance: (id) =>
				new Promise<Instance>((resolve) => {
					calls.push(id);
					answers.push(resolve);
				}),
			listApps: async () => [],
			listRecords: async () => makeRecordList(),
			live: {
				subscribe(_kinds, l) {
					listener = l;
					return () => {};
				}
			},
			batchMs: 100
		});
		feed.start();
		await settle();
		listener({ kind: 'instance_progress', subject: 'instance', id: 1, at: 0 }, false);
		await settle();
		expect(calls).toEqual([1]);
		listener({ kind: 'instance_progress', subject: 'instance', id: 1, at: 0 }, false);
		await settle();
		// The second round waits for the first.
		expect(calls).toEqual([1]);
		answers[0](makeInstance({ id: 1, status: 'stopped' }));
		await settle();
		expect(calls).toEqual([1, 1]);
		answers[1](makeInstance({ id: 1, status: 'running' }));
		await settle();
		expect(feed.instances.map((i) => i.status)).toEqual(['running']);
	});

	it('a failed first load is kept as the error; the records failing leaves them unknown', async () => {
		const feed = new InstanceFeed(
			{},
			{
				listInstances: async () => {
					throw new ApiError(500, 'database is locked');
				},
				listRecords: async () => {
					throw new ApiError(502, 'no');
				},
				listApps: async () => [],
				live: { subscribe: () => () => {} },
				batchMs: 100
			}
		);
		await feed.reload();
		expect(feed.error).toBeInstanceOf(ApiError);
		expect(feed.records).toBeNull();
		expect(feed.loaded).toBe(true);
	});

	it('stop unsubscribes and reads nothing more', async () => {
		const w = world();
		const stop = w.feed.start();
		await w.settle();
		stop();
		w.calls.length = 0;
		w.event('consumers_changed', 'instance', 1);
		await w.settle();
		expect(w.calls).toEqual([]);
	});
});
