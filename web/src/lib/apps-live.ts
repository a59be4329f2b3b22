/**
 * Live pages refetch when the server says something changed: a burst of
 * events (a pull reports its bytes four times a second) gives one fetch
 * under way and at most one more after it, never a queue, and never a
 * fetch cancelled by the next event.
 */
import { liveEvents, type LiveEvents } from './events.svelte';

/** An app was created, changed or removed. */
export const APP_KINDS = ['apps_changed'] as const;
/**
 * An instance was created, removed or changed status, or its deploy reached
 * a step; or a certificate was obtained (its URL becomes HTTPS).
 */
export const INSTANCE_KINDS = ['consumers_changed', 'instance_progress', 'certificates_changed'] as const;

/**
 * A trigger for `run`: called while a run is under way, it asks for one
 * more run after it; otherwise it runs at once. A run that throws is
 * forgotten (the next trigger tries again).
 */
export function coalesce(run: () => Promise<unknown>): () => Promise<void> {
	let running: Promise<void> | null = null;
	let again = false;
	return function trigger() {
		if (running) {
			again = true;
			return running;
		}
		running = (async () => {
			try {
				do {
					again = false;
					await run().catch(() => {});
				} while (again);
			} finally {
				running = null;
			}
		})();
		return running;
	};
}

/**
 * Refetch with `refetch` on events of `kinds`, and after events may have
 * been missed (a dropped stream, a resync). Returns the function that
 * stops listening, for onMount.
 */
export function followEvents(kinds: readonly string[], refetch: () => Promise<unknown>, live: Pick<LiveEvents, 'subscribe'> = liveEvents): () => void {
	const trigger = coalesce(refetch);
	return live.subscribe(kinds, () => void trigger());
}
