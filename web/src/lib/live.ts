/**
 * Pages that show live data refetch it when the server says it changed:
 * refetchOn subscribes to liveEvents for some kinds and runs the page's
 * refetch once per burst of events (debounced), and after the stream was
 * down or fell behind (the `missed` signal), when events may be lost.
 */
import { liveEvents, type EventKind, type Listener } from './events.svelte';

/** A debounced call: call() as often as you like, fn runs once per burst. */
export interface Debounced {
	(): void;
	/** Run now what is waiting (nothing when nothing waits). */
	flush(): void;
	/** Forget what is waiting. */
	cancel(): void;
	/** Whether a run is waiting. */
	readonly pending: boolean;
}

/**
 * fn runs `wait` ms after the last call of a burst, and at the latest
 * `maxWait` ms after its first call, so that a steady stream of calls
 * (a deploy's progress) still runs it now and then.
 */
export function debounce(fn: () => void, wait: number, maxWait = Infinity): Debounced {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let first = 0;
	const run = () => {
		if (timer !== null) clearTimeout(timer);
		timer = null;
		fn();
	};
	const call = () => {
		const now = Date.now();
		if (timer === null) first = now;
		else clearTimeout(timer);
		timer = setTimeout(run, Math.max(0, Math.min(wait, first + maxWait - now)));
	};
	return Object.defineProperties(call, {
		flush: { value: () => timer !== null && run() },
		cancel: {
			value: () => {
				if (timer !== null) clearTimeout(timer);
				timer = null;
			}
		},
		pending: { get: () => timer !== null }
	}) as Debounced;
}

/** How long a burst of events may last before its one refetch; and the longest a refetch waits. */
export const REFETCH_WAIT_MS = 250;
export const REFETCH_MAX_WAIT_MS = 2000;

export interface RefetchOptions {
	/** The stream (liveEvents, or a test's). */
	live?: { subscribe(kinds: readonly string[], listener: Listener): () => void };
	wait?: number;
	maxWait?: number;
}

/**
 * Run `refetch` after events of `kinds` (every kind when empty), once per
 * burst, and after a reconnection or a resync. Returns the function that
 * stops it, for onMount.
 */
export function refetchOn(kinds: readonly EventKind[], refetch: () => unknown, options: RefetchOptions = {}): () => void {
	const run = debounce(() => void refetch(), options.wait ?? REFETCH_WAIT_MS, options.maxWait ?? REFETCH_MAX_WAIT_MS);
	const stop = (options.live ?? liveEvents).subscribe(kinds, () => run());
	return () => {
		stop();
		run.cancel();
	};
}
