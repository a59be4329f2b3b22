/**
 * Live updates: one EventSource on GET /api/events for the whole UI. Pages
 * subscribe to the kinds they show and refetch what changed; an event says
 * what changed, never the new state. After a drop the stream reconnects
 * (with growing pauses) and every subscriber is told to refetch, since
 * events may have been missed meanwhile; so is it on the server's
 * `resync` (the client fell behind).
 */

/** The kinds the server sends (internal/events). */
export const EVENT_KINDS = [
	'consumers_changed',
	'settings_changed',
	'apps_changed',
	'instance_progress',
	'dns_synced',
	'certificates_changed'
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** One change, as the stream says it. */
export interface LiveEvent {
	kind: EventKind | string;
	subject: string;
	id: number;
	/** When the UI received it (ms since the epoch). */
	at: number;
}

/** What a subscriber hears: an event of its kinds, or "refetch everything" (missed is true). */
export type Listener = (e: LiveEvent | null, missed: boolean) => void;

/** The parts of EventSource used here, so tests can give their own. */
export interface Source {
	addEventListener(type: string, listener: (e: MessageEvent) => void): void;
	onopen: ((e: Event) => void) | null;
	onerror: ((e: Event) => void) | null;
	close(): void;
}

export interface LiveOptions {
	url?: string;
	open?: (url: string) => Source;
	/** Pause before the n-th reconnection attempt (n from 1), ms. */
	backoff?: (attempt: number) => number;
	/** How many recent events are kept for the dashboard. */
	keep?: number;
}

/** 0.5 s, 1 s, 2 s … up to 30 s. */
export function backoff(attempt: number): number {
	return Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
}

export class LiveEvents {
	/** Whether the stream is open now. */
	connected = $state(false);
	/** The latest events, newest first (at most `keep`). */
	recent = $state<LiveEvent[]>([]);

	readonly #url: string;
	readonly #open: (url: string) => Source;
	readonly #backoff: (attempt: number) => number;
	readonly #keep: number;
	#listeners = new Map<number, { kinds: Set<string>; listener: Listener }>();
	#nextId = 1;
	#source: Source | null = null;
	#attempt = 0;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#everOpen = false;

	constructor(options: LiveOptions = {}) {
		this.#url = options.url ?? '/api/events';
		this.#open = options.open ?? ((url) => new EventSource(url) as unknown as Source);
		this.#backoff = options.backoff ?? backoff;
		this.#keep = options.keep ?? 50;
	}

	/**
	 * Hear events of `kinds` (all kinds when empty); the stream opens with
	 * the first subscriber and closes with the last. Returns the function
	 * that stops listening.
	 */
	subscribe(kinds: readonly string[], listener: Listener): () => void {
		const id = this.#nextId++;
		this.#listeners.set(id, { kinds: new Set(kinds), listener });
		if (!this.#source && !this.#timer) this.#connect();
		return () => {
			this.#listeners.delete(id);
			if (this.#listeners.size === 0) this.stop();
		};
	}

	/** Close the stream (subscribe opens it again). */
	stop(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#source?.close();
		this.#source = null;
		this.connected = false;
		this.#everOpen = false;
		this.#attempt = 0;
	}

	#connect(): void {
		this.#timer = null;
		const source = this.#open(this.#url);
		this.#source = source;
		source.onopen = () => {
			if (this.#source !== source) return;
			const reopened = this.#everOpen;
			this.connected = true;
			this.#everOpen = true;
			this.#attempt = 0;
			// Events may have been missed while the stream was down.
			if (reopened) this.#missed();
		};
		source.onerror = () => {
			if (this.#source !== source) return;
			// EventSource retries on its own after some errors; one stream at
			// a time, with our own pauses, is simpler to reason about.
			source.close();
			this.#source = null;
			this.connected = false;
			this.#attempt++;
			this.#timer = setTimeout(() => this.#connect(), this.#backoff(this.#attempt));
		};
		for (const kind of EVENT_KINDS) {
			source.addEventListener(kind, (m) => this.#deliver(kind, m));
		}
		source.addEventListener('resync', () => this.#missed());
	}

	#deliver(kind: string, m: MessageEvent): void {
		let data: { subject?: string; id?: number } = {};
		try {
			data = JSON.parse(String(m.data));
		} catch {
			// A malformed event still says its kind changed.
		}
		const e: LiveEvent = { kind, subject: data.subject ?? '', id: data.id ?? 0, at: Date.now() };
		this.recent = [e, ...this.recent].slice(0, this.#keep);
		for (const { kinds, listener } of [...this.#listeners.values()]) {
			if (kinds.size === 0 || kinds.has(kind)) listener(e, false);
		}
	}

	#missed(): void {
		for (const { listener } of [...this.#listeners.values()]) listener(null, true);
	}
}

/** The UI's one stream. */
export const liveEvents = new LiveEvents();
