/**
 * The instances of a page kept up to date through the event stream
 * (liveEvents), without polling: the list (or the one instance of an
 * instance page), the apps (for their names) and the instances' DNS
 * records (one request for all of them). An event says what changed;
 * the feed reads the new state, batching the events of a short while into
 * one round of requests (one instance per changed id, the whole list when
 * many changed), one round at a time so that an older answer never
 * overwrites a newer one. After a drop of the stream everything is read
 * again. Deploys are followed to their end, which `onended` hears once.
 */
import { listApps } from './api/apps';
import { ApiError } from './api/client';
import { listRecords } from './api/dns';
import { getInstance, listInstances } from './api/instances';
import { handleError } from './errors';
import { liveEvents, type Listener } from './events.svelte';
import { settleDeploys, trackDeploy, upsertInstance, type TrackedDeploy } from './instances';
import type { App } from './types/app';
import type { DnsRecord, DnsRecordFilter, DnsRecordList } from './types/dns';
import type { Instance } from './types/instance';

type Options = { signal?: AbortSignal };

export interface FeedDeps {
	listInstances: (o: Options) => Promise<Instance[]>;
	getInstance: (id: number, o: Options) => Promise<Instance>;
	listApps: () => Promise<App[]>;
	listRecords: (filter: DnsRecordFilter, o: Options) => Promise<DnsRecordList>;
	live: { subscribe(kinds: readonly string[], listener: Listener): () => void };
	/** How long events are gathered before a round of requests, ms. */
	batchMs: number;
}

const defaultDeps: FeedDeps = {
	listInstances,
	getInstance,
	listApps,
	listRecords,
	live: liveEvents,
	batchMs: 100
};

/** The kinds a feed listens to. */
export const FEED_KINDS = [
	'consumers_changed',
	'instance_progress',
	'dns_synced',
	'certificates_changed',
	'settings_changed',
	'apps_changed'
] as const;

/** More changed instances than this in one round: the whole list is read. */
const MANY = 8;

interface Wanted {
	all: boolean;
	ids: Set<number>;
	records: boolean;
	apps: boolean;
}

const nothing = (): Wanted => ({ all: false, ids: new Set(), records: false, apps: false });

export interface FeedOptions {
	/** One instance (an instance page), or every instance. */
	id?: number;
	/** A followed deploy ended (for its toast). */
	onended?: (inst: Instance) => void;
	/** Starts the toast of a failed first load. */
	context?: string;
}

export class InstanceFeed {
	instances = $state.raw<Instance[]>([]);
	apps = $state.raw<App[]>([]);
	/** The instances' DNS records; null while unknown (not loaded, or the load failed). */
	records = $state.raw<DnsRecord[] | null>(null);
	/** Whether the first load is done (it may have failed: `error`). */
	loaded = $state(false);
	loading = $state(false);
	error = $state<unknown>(null);
	/** The one instance of an instance page is gone (404). */
	gone = $state(false);

	readonly #deps: FeedDeps;
	readonly #options: FeedOptions;
	#tracked: TrackedDeploy[] = [];
	/** The settings changed: the next certificates_changed may bring the first certificates. */
	#certificatesMatter = false;
	#want: Wanted = nothing();
	#timer: ReturnType<typeof setTimeout> | null = null;
	#queue: Promise<void> = Promise.resolve();
	#controller = new AbortController();

	constructor(options: FeedOptions = {}, deps: Partial<FeedDeps> = {}) {
		this.#options = options;
		this.#deps = { ...defaultDeps, ...deps };
	}

	/** The one instance of an instance page; null before it loaded or once gone. */
	get instance(): Instance | null {
		return this.instances[0] ?? null;
	}

	/** Load everything and follow the events; returns the function that stops. */
	start(): () => void {
		this.#controller = new AbortController();
		const unsubscribe = this.#deps.live.subscribe(FEED_KINDS, (e, missed) => this.#heard(e, missed));
		void this.reload();
		return () => {
			unsubscribe();
			this.#controller.abort();
			if (this.#timer) clearTimeout(this.#timer);
			this.#timer = null;
		};
	}

	/** Read everything again now (Refresh, Try again); a failure is shown. */
	async reload(): Promise<void> {
		this.loading = true;
		try {
			await this.#enqueue({ all: true, ids: new Set(), records: true, apps: true }, true);
		} finally {
			this.loading = false;
			this.loaded = true;
		}
	}

	/** An instance as an action's answer gave it. */
	upsert(inst: Instance): void {
		this.#setInstances(upsertInstance(this.instances, inst));
	}

	/** An instance removed here. */
	remove(id: number): void {
		this.#setInstances(this.instances.filter((i) => i.id !== id));
		if (this.#options.id === id) this.gone = true;
	}

	/** Follow the deploy asked for on `before` (the instance as it was before the call) to its end. */
	track(before: Instance): void {
		this.#tracked = trackDeploy(this.#tracked, before);
	}

	#heard(e: Parameters<Listener>[0], missed: boolean): void {
		const want = this.#want;
		const own = this.#options.id;
		if (missed || !e) {
			Object.assign(want, { all: true, records: true, apps: true });
		} else if (e.kind === 'consumers_changed' || e.kind === 'instance_progress') {
			if (e.subject === 'proxy') return;
			if (e.subject === 'instance' && e.id) {
				if (own !== undefined && e.id !== own) return;
				want.ids.add(e.id);
			} else {
				want.all = true;
			}
			// An instance that starts, stops or goes changes its expected record.
			if (e.kind === 'consumers_changed') want.records = true;
		} else if (e.kind === 'dns_synced') {
			want.records = true;
		} else if (e.kind === 'certificates_changed') {
			// The HTTPS badges and URLs. The server says so after every change
			// of the consumers, whether a certificate changed or not: read
			// again only when an instance shows a certificate, or after a
			// change of the settings (which may have planned the first ones).
			if (!this.#certificatesMatter && !this.instances.some((i) => i.certificate)) return;
			this.#certificatesMatter = false;
			want.all = true;
		} else if (e.kind === 'settings_changed') {
			Object.assign(want, { all: true, records: true }); // the domain: names, URLs and records
			this.#certificatesMatter = true;
		} else if (e.kind === 'apps_changed') {
			want.apps = true;
		} else {
			return;
		}
		this.#schedule();
	}

	/** A round of what the events asked for, a moment after the first of them. */
	#schedule(): void {
		this.#timer ??= setTimeout(() => {
			this.#timer = null;
			const want = this.#want;
			this.#want = nothing();
			void this.#enqueue(want, false);
		}, this.#deps.batchMs);
	}

	/** Run a round after those before it: an older answer never overwrites a newer one. */
	#enqueue(want: Wanted, loud: boolean): Promise<void> {
		const round = this.#queue.then(() => (this.#controller.signal.aborted ? undefined : this.#round(want, loud)));
		this.#queue = round.catch(() => {});
		return round;
	}

	/** One round of requests; a loud one shows its failure, a quiet one waits for the next event. */
	async #round(want: Wanted, loud: boolean): Promise<void> {
		const signal = this.#controller.signal;
		const d = this.#deps;
		const own = this.#options.id;
		const tasks: Promise<void>[] = [];
		if (want.all || want.ids.size > 0) {
			tasks.push(
				(async () => {
					if (own !== undefined) await this.#readOne(own, signal);
					else if (want.all || want.ids.size > MANY) this.#setInstances(await d.listInstances({ signal }));
					else await Promise.all([...want.ids].map((id) => this.#readOne(id, signal)));
				})()
			);
		}
		if (want.records) {
			tasks.push(
				d.listRecords({ kind: 'instance' }, { signal }).then(
					(list) => void (this.records = list.records ?? []),
					() => {
						// DNS is a column of the page: without it the rest still shows.
						if (!signal.aborted) this.records = null;
					}
				)
			);
		}
		if (want.apps) {
			// App names are a nicety: without them the page shows app ids.
			tasks.push(d.listApps().then((apps) => void (this.apps = apps), () => {}));
		}
		const results = await Promise.allSettled(tasks);
		if (signal.aborted) return;
		const failed = results.find((r) => r.status === 'rejected');
		if (!failed && want.all) this.error = null;
		if (loud) {
			this.error = failed ? failed.reason : null;
			if (failed) handleError(failed.reason, [], this.#options.context ?? 'Could not load the instances');
		}
	}

	/** Read one instance; a 404 means it was removed. */
	async #readOne(id: number, signal: AbortSignal): Promise<void> {
		try {
			const inst = await this.#deps.getInstance(id, { signal });
			if (signal.aborted) return;
			if (this.#options.id === id) this.gone = false;
			this.upsert(inst);
		} catch (err) {
			if (signal.aborted) return;
			if (err instanceof ApiError && err.status === 404) this.remove(id);
			else throw err;
		}
	}

	#setInstances(list: Instance[]): void {
		const { tracked, ended } = settleDeploys(this.#tracked, list);
		this.#tracked = tracked;
		this.instances = list;
		for (const inst of ended) this.#options.onended?.(inst);
	}
}
