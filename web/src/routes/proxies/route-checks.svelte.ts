/** The route checks of the Proxies page (POST /api/proxies/{id}/check), by proxy id. */
import { checkProxy } from '$lib/api/proxies';
import { describeError } from '$lib/errors';
import { checkView, type CheckView } from '$lib/route';

export interface RouteCheckState {
	checking: boolean;
	/** The last check's answer; null while none came. */
	view: CheckView | null;
	/** Why the check could not be made (not: the route does not answer). */
	error: string | null;
}

export class RouteChecks {
	#checks = $state<Record<number, RouteCheckState>>({});
	/** The check under way of each proxy: only its answer is kept. */
	#runs = new Map<number, symbol>();

	constructor(private readonly check: typeof checkProxy = checkProxy) {}

	/** The check of a proxy; idle with no answer before the first one. */
	of(id: number): RouteCheckState {
		return this.#checks[id] ?? { checking: false, view: null, error: null };
	}

	/** Ask whether the route of proxy `id` answers. */
	async run(id: number): Promise<void> {
		const run = Symbol();
		this.#runs.set(id, run);
		this.#checks[id] = { checking: true, view: null, error: null };
		let next: RouteCheckState;
		try {
			next = { checking: false, view: checkView(await this.check(id)), error: null };
		} catch (err) {
			next = { checking: false, view: null, error: describeError(err, [], 'Could not check the route').message };
		}
		// A proxy forgotten meanwhile (edited, deleted) keeps no answer about its old route.
		if (this.#runs.get(id) !== run) return;
		this.#runs.delete(id);
		this.#checks[id] = next;
	}

	/** Forget the check of a proxy whose route changed or that is gone. */
	forget(id: number): void {
		delete this.#checks[id];
		this.#runs.delete(id);
	}
}
