/**
 * Follows certificate issuance while the Certificates card is open
 * (certificate-progress.ts): every list the card loads (it reloads on
 * certificates_changed) moves the run on; a run that finishes while
 * watched ends in toasts: the certificates issued, and the CA's message
 * of a failure (once per message: certmagic retries a failed one).
 */
import { runFinished, runMessages, startRun, updateRun, type IssuanceRun } from './certificate-progress';
import { toasts } from './toast.svelte';
import type { Certificate } from './types/certificate';

export class IssuanceWatch {
	/** The run shown: under way, or the last one that finished; null before any. */
	run = $state<IssuanceRun | null>(null);
	#notify: Pick<typeof toasts, 'success' | 'error'>;
	#told = new Set<string>();

	constructor(notify: Pick<typeof toasts, 'success' | 'error'> = toasts) {
		this.#notify = notify;
	}

	/** A list as loaded: the run under way moves on (its end is told), or one starts with what is in flight. */
	seen(list: readonly Certificate[]): void {
		const run = this.run;
		if (!run || runFinished(run)) {
			// A run always starts unfinished: what it takes is in flight.
			this.run = startRun(list, false) ?? run;
			return;
		}
		const next = updateRun(run, list);
		this.run = next;
		if (!runFinished(next)) return;
		const { success, error } = runMessages(next);
		if (success) this.#notify.success(success);
		if (error && !this.#told.has(error)) {
			this.#told.add(error);
			this.#notify.error(error);
		}
	}

	/** Renew now was accepted: every certificate of `before` (the list it was pressed on) is followed. */
	asked(before: readonly Certificate[]): void {
		this.run = startRun(before, true) ?? this.run;
	}
}
