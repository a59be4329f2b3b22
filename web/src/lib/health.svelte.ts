/**
 * Whether the Docker Engine answers, from /healthz, shared by the layout's
 * header and the Instances page. A failed check (the server itself not
 * answering) leaves the last answer as it was.
 */
import { getHealth } from './api/health';
import { engineUnreachable } from './instances';
import type { Health } from './types/health';

export class EngineHealth {
	/** The last answer of /healthz; null until one came. */
	health = $state<Health | null>(null);
	readonly #get: (options: { signal?: AbortSignal }) => Promise<Health>;
	#controller: AbortController | null = null;

	constructor(get: (options: { signal?: AbortSignal }) => Promise<Health> = getHealth) {
		this.#get = get;
	}

	/** Whether the last answer said the engine is unreachable. */
	get unreachable(): boolean {
		return engineUnreachable(this.health);
	}

	/** Ask /healthz now; a check under way is replaced. */
	async check(): Promise<void> {
		this.#controller?.abort();
		const mine = new AbortController();
		this.#controller = mine;
		try {
			const answer = await this.#get({ signal: mine.signal });
			if (!mine.signal.aborted) this.health = answer;
		} catch {
			// No answer: nothing new to say about the engine.
		} finally {
			if (this.#controller === mine) this.#controller = null;
		}
	}

	/** Check now and every `intervalMs`; returns the function that stops it. */
	watch(intervalMs: number): () => void {
		void this.check();
		const timer = setInterval(() => void this.check(), intervalMs);
		return () => clearInterval(timer);
	}
}

export const engineHealth = new EngineHealth();
