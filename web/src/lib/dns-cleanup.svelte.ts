/**
 * Follows the removal of the records earlier DNS configurations left
 * (dns-cleanup.ts) while the DNS settings are open: the zones the settings
 * list, then, after every sync (dns_synced) and after the stream was down,
 * the settings read again; a removal that a save on this page started ends
 * in a toast: done, or the provider's message.
 */
import { cleanupMessage, cleanupState, cleanupsPending, savedCleanups, updateCleanups, type TrackedCleanup } from './dns-cleanup';
import { refetchOn, type RefetchOptions } from './live';
import { toasts } from './toast.svelte';
import type { DnsCleanup } from './types/dns';

export interface CleanupWatchOptions {
	/** The zones the settings list now (GET /api/settings' dns_cleanups). */
	read: () => Promise<DnsCleanup[]>;
	/** The event stream (liveEvents, or a test's). */
	live?: RefetchOptions['live'];
	notify?: Pick<typeof toasts, 'success' | 'error'>;
}

export class CleanupWatch {
	tracked = $state<TrackedCleanup[]>([]);
	#o: CleanupWatchOptions;
	#stop: (() => void) | null = null;

	constructor(o: CleanupWatchOptions) {
		this.#o = o;
	}

	/** The zones as the page loaded them: shown and followed, not announced. */
	loaded(list: readonly DnsCleanup[]): void {
		this.#set(updateCleanups(this.tracked, list, false));
	}

	/** A save answered: the zones it left (in `after`, not in `before`) are announced. */
	saved(before: readonly DnsCleanup[], after: readonly DnsCleanup[]): void {
		this.#set(savedCleanups(this.tracked, before, after));
	}

	/** Read the zones again; a failed read changes nothing (the next sync or reconnection reads again). */
	async refresh(): Promise<void> {
		let list: DnsCleanup[];
		try {
			list = await this.#o.read();
		} catch {
			return;
		}
		const notify = this.#o.notify ?? toasts;
		const before = new Map(this.tracked.map((t) => [t.key, cleanupState(t)]));
		const next = updateCleanups(this.tracked, list, false);
		for (const t of next) {
			const state = cleanupState(t);
			if (!t.announce || state === before.get(t.key) || state === 'removing') continue;
			if (state === 'done') notify.success(cleanupMessage(t, state));
			else notify.error(cleanupMessage(t, state));
		}
		this.#set(next);
	}

	/** Stop following (the page is left). */
	stop(): void {
		this.#stop?.();
		this.#stop = null;
	}

	/** Follow the stream while a zone is still to be removed. */
	#set(tracked: TrackedCleanup[]): void {
		this.tracked = tracked;
		if (!cleanupsPending(tracked)) this.stop();
		else if (!this.#stop) this.#stop = refetchOn(['dns_synced', 'settings_changed'], () => this.refresh(), { live: this.#o.live });
	}
}
