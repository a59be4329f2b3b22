/**
 * Pure logic of the instances: a deploy's progress in words and steps,
 * which actions an instance offers, which deploys are followed until
 * their end (for the toast that says how it ended).
 */

import { ApiError } from './api/client';
import { errorMessage } from './errors';
import type { DeployProgress, Instance, InstanceAction } from './types/instance';

/** A number of bytes for people, decimal as Docker shows them: "512 B", "12.3 MB", "40 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
	const n = Math.max(0, Number.isFinite(bytes) ? bytes : 0);
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let value = n;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	if (unit === 0) return `${Math.round(value)} B`;
	// One decimal, none when it is .0; a value that rounds up to 1000 takes the next unit.
	let rounded = Math.round(value * 10) / 10;
	if (rounded >= 1000 && unit < units.length - 1) {
		rounded = Math.round(rounded / 100) / 10;
		unit++;
	}
	return `${rounded} ${units[unit]}`;
}

const STEP_WORDS: Record<string, string> = {
	pulling: 'Pulling the image',
	creating: 'Creating the container',
	starting: 'Starting the container',
	waiting_for_health: 'Waiting for health',
	routing: 'Routing to the new container',
	draining: 'Draining the old container',
	done: 'Deployed',
	failed: 'Deploy failed'
};

/**
 * A deploy's step in words: "Pulling 12.3 MB of 40 MB", "Waiting for
 * health", "Draining the old container". An unknown step (from a newer
 * server) is shown as it is, "half_way" as "Half way".
 */
export function progressText(p: DeployProgress): string {
	if (p.step === 'pulling' && p.total && p.total > 0) {
		const current = Math.min(p.current ?? 0, p.total);
		return `Pulling ${formatBytes(current)} of ${formatBytes(p.total)}`;
	}
	if (Object.prototype.hasOwnProperty.call(STEP_WORDS, p.step)) return STEP_WORDS[p.step];
	const words = p.step.replace(/_/g, ' ').trim();
	return words ? words[0].toUpperCase() + words.slice(1) : 'Working';
}

/** A pull's share done, 0..1; null when it is not pulling or the size is unknown. */
export function pullFraction(p: DeployProgress | undefined): number | null {
	if (!p || p.step !== 'pulling' || !p.total || p.total <= 0) return null;
	return Math.min(1, Math.max(0, (p.current ?? 0) / p.total));
}

/** Whether a step is the end of a deploy. */
export function isFinalStep(step: string): boolean {
	return step === 'done' || step === 'failed';
}

/** Whether a deploy of the instance is under way: a step short of done or failed. */
export function deployRunning(inst: Pick<Instance, 'progress'>): boolean {
	return !!inst.progress && !isFinalStep(inst.progress.step);
}

/**
 * The step to show beside the instance, or null: while its deploy runs,
 * and while it is deploying (before the first step is known, "Starting the
 * deploy").
 */
export function progressLabel(inst: Pick<Instance, 'status' | 'progress'>): string | null {
	if (deployRunning(inst)) return progressText(inst.progress!);
	if (inst.status === 'deploying') return inst.progress ? null : 'Starting the deploy';
	return null;
}

/** What the row of an instance offers. */
export interface InstanceActions {
	/** The lifecycle actions, in the order of the buttons. */
	actions: InstanceAction[];
	remove: boolean;
	/** Whether it has a container whose output can be read. */
	logs: boolean;
}

/**
 * The actions an instance offers by its status. None while a deploy of it
 * runs (they would wait behind it): only its logs, and removing it. Start
 * for a stopped or failed one (a failed one without a container is
 * deployed anew); Stop and Restart for a running one; Redeploy (pull the
 * tag again) for any but a deploying one; Rollback only with an earlier
 * image (can_rollback).
 */
export function instanceActions(inst: Pick<Instance, 'status' | 'progress' | 'can_rollback' | 'container_id'>): InstanceActions {
	const logs = inst.container_id !== '';
	if (deployRunning(inst) || inst.status === 'deploying') return { actions: [], remove: true, logs };
	const actions: InstanceAction[] = [];
	switch (inst.status) {
		case 'running':
			actions.push('stop', 'restart');
			break;
		case 'stopped':
		case 'failed':
			actions.push('start');
			break;
		default:
			// An unknown status (a newer server): leave the lifecycle to it.
			return { actions: [], remove: true, logs };
	}
	actions.push('redeploy');
	if (inst.can_rollback) actions.push('rollback');
	return { actions, remove: true, logs };
}

export interface ActionWords {
	/** The button's label. */
	label: string;
	/** The verb in a sentence: "Could not roll back …". */
	verb: string;
	/** The button's label while the action runs. */
	busy: string;
	/** The end of its success message: "web.example.com stopped." */
	done: string;
}

const ACTION_WORDS: Record<InstanceAction, ActionWords> = {
	start: { label: 'Start', verb: 'start', busy: 'Starting…', done: 'started' },
	stop: { label: 'Stop', verb: 'stop', busy: 'Stopping…', done: 'stopped' },
	restart: { label: 'Restart', verb: 'restart', busy: 'Restarting…', done: 'restarted' },
	redeploy: { label: 'Redeploy', verb: 'redeploy', busy: 'Redeploying…', done: 'is being redeployed' },
	rollback: { label: 'Rollback', verb: 'roll back', busy: 'Rolling back…', done: 'is being rolled back' }
};

/** How an action is named on its button and in messages. */
export function actionWords(action: InstanceAction): ActionWords {
	return ACTION_WORDS[action];
}

/** What an action's button explains (its title). */
export function actionHint(action: InstanceAction, inst: Pick<Instance, 'previous_digest' | 'container_id'>): string {
	switch (action) {
		case 'start':
			return inst.container_id ? 'Start the container again and wait until it serves.' : 'Deploy the tag anew: the instance has no container.';
		case 'stop':
			return 'Stop the container: its name answers 503 until it starts again.';
		case 'restart':
			return 'Restart the container and wait until it serves.';
		case 'redeploy':
			return 'Pull the tag again and replace the container without downtime.';
		case 'rollback':
			return `Go back to the image before the last deploy (${shortDigest(inst.previous_digest)}).`;
	}
}

/** "sha256:0123456789ab" of a digest, or the digest as it is. */
export function shortDigest(digest: string): string {
	const m = /^(sha256:[0-9a-f]{12})[0-9a-f]*$/.exec(digest);
	return m ? m[1] : digest;
}

/** Replace the instance of the same id in the list, or add it at the end. */
export function upsertInstance(list: readonly Instance[], inst: Instance): Instance[] {
	return list.some((i) => i.id === inst.id) ? list.map((i) => (i.id === inst.id ? inst : i)) : [...list, inst];
}

/** The Docker Engine's banner text, shown while /healthz says it is unreachable. */
export const ENGINE_DOWN_MESSAGE =
	'The Docker Engine cannot be reached: proxies and DNS keep working; deploys and actions wait until it answers.';

/** Whether a /healthz answer says the engine is unreachable (an unknown answer says nothing). */
export function engineUnreachable(health: { docker?: string } | null | undefined): boolean {
	return health?.docker === 'unreachable';
}

/**
 * A deploy followed until its end, for the toast that says how it ended:
 * one asked for here (a new instance, a redeploy, a rollback), whose
 * answer (202) comes before its first step, or one seen running.
 */
export interface TrackedDeploy {
	id: number;
	/** The instance's deploy state when it was asked for (deployState); "" once seen running. */
	before: string;
}

/** What tells one deploy's outcome from another's: the progress and the row's last change. */
export function deployState(inst: Pick<Instance, 'progress' | 'updated_at'>): string {
	return JSON.stringify([inst.progress ?? null, inst.updated_at]);
}

/** Follow the deploy asked for on `inst` (as it was before the call). */
export function trackDeploy(tracked: readonly TrackedDeploy[], inst: Instance): TrackedDeploy[] {
	return [...tracked.filter((t) => t.id !== inst.id), { id: inst.id, before: deployState(inst) }];
}

/**
 * The deploys still followed, and the instances whose deploy ended now (a
 * final step other than the one shown when it was asked for, and no
 * longer deploying). An instance gone is no longer followed; a deploy
 * seen running is followed from then on, wherever it was asked for.
 */
export function settleDeploys(
	tracked: readonly TrackedDeploy[],
	instances: readonly Instance[]
): { tracked: TrackedDeploy[]; ended: Instance[] } {
	const byId = new Map(instances.map((i) => [i.id, i]));
	const next: TrackedDeploy[] = [];
	const ended: Instance[] = [];
	for (const t of tracked) {
		const inst = byId.get(t.id);
		if (!inst) continue;
		if (deployRunning(inst)) next.push({ id: t.id, before: '' });
		else if (!!inst.progress && isFinalStep(inst.progress.step) && inst.status !== 'deploying' && deployState(inst) !== t.before) ended.push(inst);
		else next.push(t);
	}
	for (const inst of instances) {
		if (deployRunning(inst) && !next.some((t) => t.id === inst.id)) next.push({ id: inst.id, before: '' });
	}
	return { tracked: next, ended };
}

/** An instance's name for people: its FQDN, or its subdomain while there is no domain. */
export function instanceName(inst: Pick<Instance, 'fqdn' | 'subdomain'>): string {
	return inst.fqdn || inst.subdomain;
}

/** The first line of a message (an error that ends with the container's last log lines). */
function firstLine(text: string): string {
	return text.trim().split('\n')[0].trim();
}

/** The toast of a deploy that ended. */
export function deployOutcome(inst: Instance): { kind: 'success' | 'error'; message: string } {
	const name = instanceName(inst);
	if (inst.progress?.step === 'done') {
		const digest = inst.digest ? ` (${shortDigest(inst.digest)})` : '';
		return { kind: 'success', message: `${name} is deployed: ${inst.tag}${digest} runs.` };
	}
	const why = firstLine(inst.last_error) || 'no reason given';
	if (inst.status === 'running') {
		return { kind: 'error', message: `The new container of ${name} failed; the running one keeps serving: ${why}` };
	}
	return { kind: 'error', message: `The deploy of ${name} failed: ${why}` };
}

/** The steps of a deploy in order; draining only replaces a running container. */
const STEPS = ['pulling', 'creating', 'starting', 'waiting_for_health', 'routing', 'draining'] as const;

export interface StepView {
	step: string;
	/** "Pulling the image", with the bytes while it pulls. */
	label: string;
	/** Done (or skipped: a pull when the image was there), under way, or to come. */
	state: 'done' | 'current' | 'todo';
}

/** Whether a deploy replaces a running container (a redeploy or a rollback): its old one is drained. */
function replaces(inst: Pick<Instance, 'status'>): boolean {
	return inst.status === 'running';
}

/**
 * The steps of the deploy under way, each done, current or to come; []
 * when none runs. An unknown step (a newer server) is shown as the
 * current one, after those known.
 */
export function deploySteps(inst: Pick<Instance, 'status' | 'progress'>): StepView[] {
	const p = inst.progress;
	if (!p || !deployRunning(inst)) return [];
	const steps: string[] = STEPS.filter((s) => s !== 'draining' || replaces(inst) || p.step === 'draining');
	let at = steps.indexOf(p.step);
	if (at < 0) {
		steps.push(p.step);
		at = steps.length - 1;
	}
	return steps.map((step, i) => ({
		step,
		label: i === at ? progressText(p) : progressText({ step }),
		state: i < at ? 'done' : i === at ? 'current' : 'todo'
	}));
}

/** How far the deploy under way is, 0..1 (a pull counts by its bytes); null when none runs. */
export function deployFraction(inst: Pick<Instance, 'status' | 'progress'>): number | null {
	const steps = deploySteps(inst);
	if (steps.length === 0) return null;
	const at = steps.findIndex((s) => s.state === 'current');
	const within = pullFraction(inst.progress) ?? 0;
	return Math.min(1, (at + within) / steps.length);
}

/**
 * Whether an API error says the Docker Engine did not answer: a 502 with
 * the API's message, not one of a proxy in front of Docker Watcher.
 */
export function engineDown(err: unknown): boolean {
	return err instanceof ApiError && err.status === 502 && /docker engine/i.test(err.message);
}

/**
 * The message of a failed deploy or action for people, after `context`
 * ("Could not deploy"): an unreachable engine said so plainly, with what
 * to do (and, for a change, that none was made); anything else as the API
 * put it.
 */
export function deployErrorMessage(err: unknown, context = 'Could not deploy', change = true): string {
	const message = errorMessage(err).trim();
	if (!engineDown(err)) return `${context}: ${message}`;
	const stop = /[.!?]$/.test(message) ? '' : '.';
	const next = change ? 'Nothing was changed; try again once the engine answers.' : 'Try again once the engine answers.';
	return `${context}: ${message}${stop} ${next}`;
}
