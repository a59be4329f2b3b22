/**
 * Running the actions of instances (start, stop, restart, redeploy,
 * rollback, remove) for the list and the instance page: which one runs
 * on which instance, the answer put into the feed, a redeploy or a
 * rollback followed to its end, and the toast with the server's message
 * (a 422 with the instance as the failure left it, a 502 when the engine
 * does not answer).
 */
import { ActionError, deleteInstance, instanceAction } from './api/instances';
import { describeError } from './errors';
import { engineHealth } from './health.svelte';
import { actionWords, deployErrorMessage, engineDown, instanceName } from './instances';
import { toasts } from './toast.svelte';
import type { Instance, InstanceAction } from './types/instance';

/** What the runner changes: the feed of the page. */
export interface ActionTarget {
	upsert(inst: Instance): void;
	remove(id: number): void;
	track(before: Instance): void;
}

export interface ActionDeps {
	instanceAction: (id: number, action: InstanceAction) => Promise<Instance>;
	deleteInstance: (id: number) => Promise<void>;
	success: (message: string) => void;
	error: (message: string) => void;
	/** The engine did not answer: ask /healthz again, for the banner. */
	engineDown: () => void;
}

const defaultDeps: ActionDeps = {
	instanceAction,
	deleteInstance,
	success: (m) => toasts.success(m),
	error: (m) => toasts.error(m),
	engineDown: () => void engineHealth.check()
};

export type Busy = InstanceAction | 'remove';

export class ActionRunner {
	/** The action under way per instance id. */
	busy = $state<Record<number, Busy>>({});
	readonly #target: ActionTarget;
	readonly #deps: ActionDeps;

	constructor(target: ActionTarget, deps: Partial<ActionDeps> = {}) {
		this.#target = target;
		this.#deps = { ...defaultDeps, ...deps };
	}

	/** Run `action` on `inst`; its outcome is a toast. */
	async act(inst: Instance, action: InstanceAction): Promise<void> {
		const words = actionWords(action);
		this.#set(inst.id, action);
		try {
			const updated = await this.#deps.instanceAction(inst.id, action);
			// The rollout goes on in the background: follow it from the state shown before.
			if (action === 'redeploy' || action === 'rollback') this.#target.track(inst);
			this.#target.upsert(updated);
			this.#deps.success(`${instanceName(updated)} ${words.done}.`);
		} catch (err) {
			if (err instanceof ActionError) this.#target.upsert(err.instance);
			if (engineDown(err)) this.#deps.engineDown();
			if (describeError(err).message !== null) this.#deps.error(deployErrorMessage(err, `Could not ${words.verb} ${instanceName(inst)}`));
		} finally {
			this.#set(inst.id, null);
		}
	}

	/** Remove `inst`; a failure is thrown (the confirmation dialog shows it). */
	async remove(inst: Instance): Promise<void> {
		this.#set(inst.id, 'remove');
		try {
			await this.#deps.deleteInstance(inst.id);
		} catch (err) {
			if (engineDown(err)) this.#deps.engineDown();
			throw err;
		} finally {
			this.#set(inst.id, null);
		}
		this.#target.remove(inst.id);
		this.#deps.success(`Instance ${instanceName(inst)} removed.`);
	}

	#set(id: number, busy: Busy | null): void {
		const { [id]: _, ...rest } = this.busy;
		this.busy = busy ? { ...rest, [id]: busy } : rest;
	}
}
