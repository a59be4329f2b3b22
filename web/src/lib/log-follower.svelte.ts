/**
 * Following a container's logs live: GET /api/instances/{id}/logs with
 * follow=1, one Server-Sent Event per line, `end` when the container
 * ends. Lines go into a bounded LogBuffer in batches (a chatty container
 * redraws the view a few times a second, not once per line). Pausing
 * holds the new lines (up to the buffer's cap) and resuming shows them.
 *
 * Every (re)connection starts with the last `tail` lines: after a lost
 * connection or a restarted container the view keeps what it had, with a
 * note where the gap is, and some lines may repeat after it.
 */
import { describeError } from './errors';
import { backoff as defaultBackoff, type Source } from './events.svelte';
import { instanceLogs } from './api/instances';
import { deployErrorMessage } from './instances';
import { LOG_CAP, LogBuffer, eventLines, lineCount, tailLabel, type LogLine, type TailChoice } from './logs';
import type { Instance } from './types/instance';

/**
 * idle: not started; connecting / reconnecting: the stream is being
 * opened; following; ended: the container stopped; error: the server
 * refused (no container, no engine), `error` says why.
 */
export type FollowState = 'idle' | 'connecting' | 'following' | 'reconnecting' | 'ended' | 'error';

export interface FollowerOptions {
	open?: (url: string) => Source;
	/**
	 * Ask for the logs once as text, to learn why the stream was refused
	 * (an EventSource does not say): throws the API's error.
	 */
	probe?: (id: number) => Promise<unknown>;
	/** Pause before the n-th attempt to connect again (n from 1), ms. */
	backoff?: (attempt: number) => number;
	/** Lines are shown in batches, at most this often (ms). */
	flushMs?: number;
	cap?: number;
}

/** The URL of the followed logs of an instance. */
export function followURL(id: number, tail: TailChoice): string {
	return `/api/instances/${id}/logs?tail=${encodeURIComponent(tail)}&follow=1`;
}

export class LogFollower {
	state = $state<FollowState>('idle');
	/** Why the server refused the stream, for people; null otherwise. */
	error = $state<string | null>(null);
	/** The lines shown (not changed while paused). */
	lines = $state.raw<readonly LogLine[]>([]);
	paused = $state(false);
	/** Lines that came while paused, to be shown on resume. */
	held = $state(0);
	/** Lines that came while paused and were dropped (more than the cap). */
	heldDropped = $state(0);
	/** Lines dropped from the top of the view (the cap). */
	trimmed = $state(0);
	tail = $state<TailChoice>('100');

	readonly cap: number;
	readonly #open: (url: string) => Source;
	readonly #probe: (id: number) => Promise<unknown>;
	readonly #backoff: (attempt: number) => number;
	readonly #flushMs: number;
	readonly #buffer: LogBuffer;
	#id = 0;
	#source: Source | null = null;
	#opened = false;
	#attempt = 0;
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#flushTimer: ReturnType<typeof setTimeout> | null = null;
	#incoming: string[] = [];
	/** The instance as last seen, and how often its container or status changed. */
	#instance: Pick<Instance, 'container_id' | 'status'> | null = null;
	#changes = 0;
	#changesAtConnect = 0;

	constructor(options: FollowerOptions = {}) {
		this.#open = options.open ?? ((url) => new EventSource(url) as unknown as Source);
		this.#probe = options.probe ?? ((id) => instanceLogs(id, 0));
		this.#backoff = options.backoff ?? defaultBackoff;
		this.#flushMs = options.flushMs ?? 100;
		this.cap = options.cap ?? LOG_CAP;
		this.#buffer = new LogBuffer(this.cap);
	}

	/** Follow instance `id` from its last `tail` lines, in an empty view. */
	start(id: number, tail: TailChoice = this.tail): void {
		this.#close();
		this.#id = id;
		this.tail = tail;
		this.#buffer.clear();
		this.#attempt = 0;
		this.#sync(true);
		this.#connect();
	}

	/** Another tail: the view starts again with it. */
	setTail(tail: TailChoice): void {
		if (tail === this.tail && this.state !== 'idle') return;
		if (this.#id) this.start(this.#id, tail);
		else this.tail = tail;
	}

	/** Follow again after an end or an error, keeping the lines, with a note. */
	again(note = `Following again: ${tailLabel(this.tail).toLowerCase()}.`): void {
		if (!this.#id) return;
		this.#close();
		this.#attempt = 0;
		this.#note(note);
		this.#connect();
	}

	/** Close the stream; the lines stay. */
	stop(): void {
		this.#close();
		this.#flush();
		this.state = 'idle';
	}

	pause(): void {
		this.#flush();
		this.#buffer.pause();
		this.#sync(true);
	}

	resume(): void {
		this.#flush();
		this.#buffer.resume();
		this.#sync(true);
	}

	/**
	 * What the page knows of the instance now. A stream that ended (the
	 * container stopped) or was refused (no container yet) follows again
	 * once the instance runs after a change of its container or status.
	 */
	instanceChanged(inst: Pick<Instance, 'container_id' | 'status'>): void {
		const before = this.#instance;
		const changed = !before || before.container_id !== inst.container_id || before.status !== inst.status;
		this.#instance = { container_id: inst.container_id, status: inst.status };
		if (!changed) return;
		this.#changes++;
		if ((this.state === 'ended' || this.state === 'error') && runs(inst)) {
			this.again(`The container runs again: ${tailLabel(this.tail).toLowerCase()}.`);
		}
	}

	#connect(): void {
		this.state = this.#attempt > 0 ? 'reconnecting' : 'connecting';
		this.#changesAtConnect = this.#changes;
		const source = this.#open(followURL(this.#id, this.tail));
		this.#source = source;
		this.#opened = false;
		source.onopen = () => {
			if (this.#source !== source) return;
			this.#opened = true;
			this.#attempt = 0;
			this.error = null;
			this.state = 'following';
		};
		source.addEventListener('message', (m) => {
			if (this.#source !== source) return;
			this.#incoming.push(...eventLines(String(m.data)));
			this.#flushTimer ??= setTimeout(() => this.#flush(), this.#flushMs);
		});
		source.addEventListener('end', () => {
			if (this.#source !== source) return;
			this.#close();
			// The container was restarted or replaced while we followed: its
			// new run has lines to show.
			if (this.#instance && runs(this.#instance) && this.#changes !== this.#changesAtConnect) {
				this.again(`The container runs again: ${tailLabel(this.tail).toLowerCase()}.`);
				return;
			}
			this.#note('The container stopped: following ended.');
			this.state = 'ended';
		});
		source.onerror = () => {
			if (this.#source !== source) return;
			const opened = this.#opened;
			this.#close();
			if (opened) {
				this.#note(`Connection lost. Following again with the ${tailLabel(this.tail).toLowerCase()}, so some may repeat.`);
				this.#retry();
			} else {
				void this.#whyRefused(source);
			}
		};
	}

	/** The stream was refused before it opened: the API's answer as text says why. */
	async #whyRefused(source: Source): Promise<void> {
		this.#source = source; // still ours while we ask; a newer start replaces it
		try {
			await this.#probe(this.#id);
		} catch (err) {
			if (this.#source !== source) return;
			this.#source = null;
			const message = describeError(err).message;
			this.error = message === null ? null : deployErrorMessage(err, 'Could not follow the logs', false);
			this.state = 'error';
			return;
		}
		if (this.#source !== source) return;
		this.#source = null;
		// The logs answer as text: the stream failed on the way; try again.
		this.#retry();
	}

	#retry(): void {
		this.#attempt++;
		this.state = 'reconnecting';
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			this.#connect();
		}, this.#backoff(this.#attempt));
	}

	#note(text: string): void {
		this.#flush();
		this.#buffer.note(text);
		this.#sync();
	}

	#flush(): void {
		if (this.#flushTimer) clearTimeout(this.#flushTimer);
		this.#flushTimer = null;
		if (this.#incoming.length === 0) return;
		const lines = this.#incoming;
		this.#incoming = [];
		this.#buffer.append(lines);
		this.#sync();
	}

	/** Copy the buffer's state into the reactive fields; the lines only when shown. */
	#sync(force = false): void {
		const b = this.#buffer;
		if (force || !b.paused) this.lines = b.lines.slice();
		this.paused = b.paused;
		this.held = b.held;
		this.heldDropped = b.heldDropped;
		this.trimmed = b.trimmed;
	}

	#close(): void {
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
		this.#source?.close();
		this.#source = null;
		this.#opened = false;
	}
}

function runs(inst: Pick<Instance, 'container_id' | 'status'>): boolean {
	return inst.status === 'running' && inst.container_id !== '';
}

/** What the viewer says of the stream, in one sentence. */
export function followStatus(
	f: Pick<LogFollower, 'state' | 'error' | 'paused' | 'held' | 'heldDropped'>
): string {
	if (f.state === 'error') return f.error ?? 'The logs cannot be followed.';
	if (f.paused) {
		const dropped = f.heldDropped > 0 ? `; ${lineCount(f.heldDropped)} before them were dropped (the view keeps the newest)` : '';
		const held = f.held > 0 ? `${f.held} new ${f.held === 1 ? 'line' : 'lines'}, shown when you resume${dropped}.` : 'new lines are held until you resume.';
		return `Paused: ${held}`;
	}
	switch (f.state) {
		case 'connecting':
			return 'Connecting…';
		case 'reconnecting':
			return 'Connection lost: connecting again…';
		case 'following':
			return 'Following: new lines appear as the container writes them.';
		case 'ended':
			return 'The container stopped: following ended.';
		default:
			return 'Not following.';
	}
}
