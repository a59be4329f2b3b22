/**
 * Pure logic of an app page's "Deploy a tag": the registry's tags offered,
 * and the steps of the deploy that follows, as the instance's progress
 * shows them.
 */
import { errorMessage } from './errors';
import { sentence } from './format';
import { deployRunning, deployState, progressText, shortDigest } from './instances';
import type { StepState, StepView } from './steps';
import type { AppTags } from './types/app';
import type { DeployProgress, Instance } from './types/instance';

/** The steps of a first deploy, in order (draining only comes with a redeploy). */
export const DEPLOY_STEPS = ['pulling', 'creating', 'starting', 'waiting_for_health', 'routing'] as const;

const STEP_LABELS: Record<(typeof DEPLOY_STEPS)[number], string> = {
	pulling: 'Pull the image',
	creating: 'Create the container',
	starting: 'Start it',
	waiting_for_health: 'Wait until it is healthy',
	routing: 'Route its name to it'
};

export type { StepState, StepView };

/** The furthest step of DEPLOY_STEPS seen so far (an index; -1 for none), after `progress`. */
export function furthestStep(furthest: number, progress: DeployProgress | undefined): number {
	const i = progress ? DEPLOY_STEPS.indexOf(progress.step as (typeof DEPLOY_STEPS)[number]) : -1;
	return Math.max(furthest, i);
}

/**
 * The steps as a list: those before the current one done (pulling
 * skipped when it was never seen: the image was on the engine), the
 * current one with its detail, the rest to do. When the deploy is done,
 * every step is done; when it failed, the furthest step seen failed.
 */
export function deploySteps(progress: DeployProgress | undefined, furthest: number, pulled: boolean): StepView[] {
	const step = progress?.step ?? '';
	const current = step === 'done' ? DEPLOY_STEPS.length : step === 'failed' ? Math.max(0, furthest) : furthestStep(-1, progress);
	return DEPLOY_STEPS.map((s, i) => {
		let state: StepState = 'todo';
		if (i < current) state = s === 'pulling' && !pulled ? 'skipped' : 'done';
		else if (i === current) state = step === 'failed' ? 'failed' : 'current';
		const detail = state === 'current' && progress ? progressText(progress) : '';
		return { step: s, label: STEP_LABELS[s], state, detail };
	});
}

/** How a deploy ended, from its instance; null while it runs. */
export function deployOutcome(inst: Pick<Instance, 'status' | 'progress'>): 'running' | 'failed' | null {
	const step = inst.progress?.step;
	if (step === 'failed') return 'failed';
	if (step === 'done') return inst.status === 'failed' ? 'failed' : 'running';
	// No progress (the server restarted meanwhile): the status says it.
	if (step === undefined && (inst.status === 'running' || inst.status === 'failed')) return inst.status;
	return null;
}

/** The option of a tag in the list: its digest in short, when the registry gave it. */
export function tagOptionLabel(t: { tag: string; digest?: string }): string {
	return t.digest ? shortDigest(t.digest) : '';
}

/** The hint under the tag field, from what the registry answered. */
export function tagsHint(tags: AppTags | null, pattern: string): string {
	if (!tags) return `Reading the registry's tags that match ${pattern}…`;
	if (tags.total === 0) return `No tag in the registry matches ${pattern} yet: type one.`;
	const newest = tags.tags[0].tag;
	const shown = tags.total > tags.tags.length ? ` (the newest ${tags.tags.length} are listed)` : '';
	const count = tags.total === 1 ? '1 tag matches' : `${tags.total} tags match`;
	return `${count} ${pattern}${shown}, newest ${newest}: pick one or type a tag.`;
}

/** What the form says when the registry could not be read: the server's message; the tag can still be typed. */
export function tagsFailure(err: unknown): string {
	return `The registry's tags could not be read: ${sentence(errorMessage(err))} Type the tag instead.`;
}

/** The toast of a deploy that ended. */
export function outcomeMessage(inst: Pick<Instance, 'tag' | 'fqdn' | 'subdomain' | 'last_error' | 'route'>, app: string, ok: boolean): string {
	const where = inst.route?.url || inst.fqdn || inst.subdomain;
	if (ok) return `${app}:${inst.tag} is running at ${where}.`;
	const why = inst.last_error.split('\n')[0].trim();
	return `The deploy of ${app}:${inst.tag} failed${why ? `: ${why}` : '.'}`;
}

/** A deploy asked for on the app page, followed until it ends. */
export interface TrackedDeploy {
	id: number;
	tag: string;
	/** The instance's deploy state when it was asked for (deployState). */
	before: string;
	/** The furthest step seen (furthestStep). */
	furthest: number;
	/** Whether the image was pulled: the pull seen, or the server's word after it (else the engine had it). */
	pulled: boolean;
	/** How it ended; null while it runs. */
	outcome: 'running' | 'failed' | null;
}

/** Whether a progress shows a pull: under way, or done (the server says so on the later steps, however short it was). */
function pulledBy(p: DeployProgress | undefined): boolean {
	return p?.step === 'pulling' || p?.pulled === true;
}

/** Start following the instance a deploy answered (202). */
export function trackDeploy(inst: Instance): TrackedDeploy {
	return {
		id: inst.id,
		tag: inst.tag,
		before: deployState(inst),
		furthest: furthestStep(-1, inst.progress),
		pulled: pulledBy(inst.progress),
		outcome: null
	};
}

/**
 * The deploy after a new look at its instance: the steps seen, and its
 * outcome once it ended (a final step that was not there when it was
 * asked for, and the status no longer deploying). `ended` says how, once:
 * also "gone" when the instance was removed meanwhile (`next` is then null).
 */
export function followDeploy(
	t: TrackedDeploy,
	inst: Instance | undefined
): { next: TrackedDeploy | null; ended: 'running' | 'failed' | 'gone' | null } {
	if (t.outcome !== null) return { next: t, ended: null };
	if (!inst) return { next: null, ended: 'gone' };
	const next = { ...t, furthest: furthestStep(t.furthest, inst.progress), pulled: t.pulled || pulledBy(inst.progress) };
	const outcome = deployOutcome(inst);
	if (!deployRunning(inst) && outcome !== null && inst.status !== 'deploying' && deployState(inst) !== t.before) {
		return { next: { ...next, outcome }, ended: outcome };
	}
	return { next, ended: null };
}
