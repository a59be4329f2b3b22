import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import {
	ENGINE_DOWN_MESSAGE,
	actionHint,
	actionWords,
	deployErrorMessage,
	deployFraction,
	deployOutcome,
	deployRunning,
	deployState,
	deploySteps,
	engineDown,
	engineUnreachable,
	formatBytes,
	instanceActions,
	instanceName,
	progressLabel,
	progressText,
	pullFraction,
	settleDeploys,
	shortDigest,
	trackDeploy,
	upsertInstance
} from './instances';
import { makeInstance } from './test/factories';
import type { DeployStep } from './types/instance';

describe('formatBytes', () => {
	it.each([
		[0, '0 B'],
		[512, '512 B'],
		[999, '999 B'],
		[1000, '1 kB'],
		[1500, '1.5 kB'],
		[12_345_678, '12.3 MB'],
		[40_000_000, '40 MB'],
		[999_960_000, '1 GB'],
		[1_234_000_000, '1.2 GB'],
		[-5, '0 B'],
		[Number.NaN, '0 B']
	])('%s bytes is %s', (bytes, text) => {
		expect(formatBytes(bytes)).toBe(text);
	});
});

describe('progressText', () => {
	it('says how much of the image is pulled', () => {
		expect(progressText({ step: 'pulling', current: 12_345_678, total: 40_000_000 })).toBe('Pulling 12.3 MB of 40 MB');
		expect(progressText({ step: 'pulling', current: 0, total: 40_000_000 })).toBe('Pulling 0 B of 40 MB');
	});

	it('never says more pulled than there is', () => {
		expect(progressText({ step: 'pulling', current: 50_000_000, total: 40_000_000 })).toBe('Pulling 40 MB of 40 MB');
	});

	it('says pulling without sizes before any layer is known', () => {
		expect(progressText({ step: 'pulling' })).toBe('Pulling the image');
		expect(progressText({ step: 'pulling', current: 0, total: 0 })).toBe('Pulling the image');
	});

	it.each<[DeployStep, string]>([
		['creating', 'Creating the container'],
		['starting', 'Starting the container'],
		['waiting_for_health', 'Waiting for health'],
		['routing', 'Routing to the new container'],
		['draining', 'Draining the old container'],
		['done', 'Deployed'],
		['failed', 'Deploy failed']
	])('%s is "%s"', (step, text) => {
		expect(progressText({ step })).toBe(text);
	});

	it("shows a newer server's step as it is", () => {
		expect(progressText({ step: 'scanning_image' })).toBe('Scanning image');
		expect(progressText({ step: '' })).toBe('Working');
	});

	it('does not mistake an inherited property for a step', () => {
		expect(progressText({ step: 'constructor' })).toBe('Constructor');
	});
});

describe('pullFraction', () => {
	it('is the share pulled while pulling with a known size', () => {
		expect(pullFraction({ step: 'pulling', current: 10, total: 40 })).toBe(0.25);
		expect(pullFraction({ step: 'pulling', current: 50, total: 40 })).toBe(1);
	});

	it('is null otherwise', () => {
		expect(pullFraction(undefined)).toBeNull();
		expect(pullFraction({ step: 'pulling' })).toBeNull();
		expect(pullFraction({ step: 'creating', current: 1, total: 2 })).toBeNull();
	});
});

describe('deployRunning and progressLabel', () => {
	it('a step short of done or failed is a deploy under way, shown in words', () => {
		const inst = makeInstance({ status: 'running', progress: { step: 'draining' } });
		expect(deployRunning(inst)).toBe(true);
		expect(progressLabel(inst)).toBe('Draining the old container');
	});

	it('a redeploy of a running instance shows its step beside the running status', () => {
		const inst = makeInstance({ status: 'running', progress: { step: 'pulling', current: 1_000_000, total: 2_000_000 } });
		expect(progressLabel(inst)).toBe('Pulling 1 MB of 2 MB');
	});

	it('a finished deploy shows nothing', () => {
		for (const step of ['done', 'failed']) {
			const inst = makeInstance({ status: 'running', progress: { step } });
			expect(deployRunning(inst)).toBe(false);
			expect(progressLabel(inst)).toBeNull();
		}
		expect(progressLabel(makeInstance({ status: 'running' }))).toBeNull();
	});

	it('a deploying instance with no step yet says the deploy starts', () => {
		expect(progressLabel(makeInstance({ status: 'deploying' }))).toBe('Starting the deploy');
	});
});

describe('instanceActions', () => {
	const actions = (overrides: Parameters<typeof makeInstance>[0]) => instanceActions(makeInstance(overrides));

	it('a running instance stops, restarts and redeploys; rollback only with an earlier image', () => {
		expect(actions({ status: 'running' })).toEqual({ actions: ['stop', 'restart', 'redeploy'], remove: true, logs: true });
		expect(actions({ status: 'running', can_rollback: true }).actions).toEqual([
			'stop',
			'restart',
			'redeploy',
			'rollback'
		]);
	});

	it('a stopped instance starts, redeploys, rolls back', () => {
		expect(actions({ status: 'stopped', can_rollback: true }).actions).toEqual(['start', 'redeploy', 'rollback']);
	});

	it('a failed instance starts (deployed anew without a container) and redeploys', () => {
		const offers = actions({ status: 'failed', container_id: '' });
		expect(offers.actions).toEqual(['start', 'redeploy']);
		expect(offers.logs).toBe(false);
		expect(offers.remove).toBe(true);
	});

	it('a deploying instance only shows its logs and can be removed', () => {
		expect(actions({ status: 'deploying', container_id: '' })).toEqual({ actions: [], remove: true, logs: false });
		expect(actions({ status: 'deploying', container_id: 'abc' }).logs).toBe(true);
	});

	it('no lifecycle action while a redeploy of a running instance runs', () => {
		expect(actions({ status: 'running', can_rollback: true, progress: { step: 'waiting_for_health' } }).actions).toEqual([]);
		expect(actions({ status: 'running', progress: { step: 'done' } }).actions).toEqual(['stop', 'restart', 'redeploy']);
		expect(actions({ status: 'running', progress: { step: 'failed' } }).actions).toEqual(['stop', 'restart', 'redeploy']);
	});

	it("leaves a newer server's status alone", () => {
		expect(instanceActions({ ...makeInstance(), status: 'paused' as never })).toEqual({ actions: [], remove: true, logs: true });
	});
});

describe('actionWords and actionHint', () => {
	it('names each action, its progress and its outcome', () => {
		expect(actionWords('stop')).toEqual({ label: 'Stop', verb: 'stop', busy: 'Stopping…', done: 'stopped' });
		expect(actionWords('rollback')).toMatchObject({ label: 'Rollback', verb: 'roll back' });
		expect(actionWords('redeploy').done).toBe('is being redeployed');
	});

	it('explains start by whether there is a container, and rollback with the earlier digest', () => {
		expect(actionHint('start', makeInstance({ container_id: '' }))).toMatch(/anew/);
		expect(actionHint('start', makeInstance())).toMatch(/again/);
		const digest = 'sha256:' + '0123456789abcdef'.repeat(4);
		expect(actionHint('rollback', makeInstance({ previous_digest: digest }))).toContain('sha256:0123456789ab)');
	});

	it('shortDigest keeps what it does not know', () => {
		expect(shortDigest('sha256:' + 'f'.repeat(64))).toBe('sha256:ffffffffffff');
		expect(shortDigest('other')).toBe('other');
	});
});

describe('deploys followed to their end', () => {
	it('a new deploy ends once its instance is in a final step, not deploying', () => {
		const asked = makeInstance({ status: 'deploying', container_id: '', progress: undefined });
		let tracked = trackDeploy([], asked);
		let r = settleDeploys(tracked, [asked]);
		expect(r).toEqual({ tracked, ended: [] });
		r = settleDeploys(r.tracked, [{ ...asked, progress: { step: 'pulling' } }]);
		expect(r).toEqual({ tracked: [{ id: 1, before: '' }], ended: [] });
		// The step is failed a moment before the row says so: not yet.
		r = settleDeploys(r.tracked, [{ ...asked, progress: { step: 'failed' } }]);
		expect(r.ended).toEqual([]);
		const failed = { ...asked, status: 'failed' as const, progress: { step: 'failed' } };
		r = settleDeploys(r.tracked, [failed]);
		expect(r).toEqual({ tracked: [], ended: [failed] });
		tracked = r.tracked;
		// Ended once: not again.
		expect(settleDeploys(tracked, [failed]).ended).toEqual([]);
	});

	it("a redeploy is not taken for done by the last deploy's done", () => {
		const before = makeInstance({ progress: { step: 'done' }, updated_at: '2026-01-01T00:00:00Z' });
		const tracked = trackDeploy([], before);
		expect(settleDeploys(tracked, [before]).ended).toEqual([]);
		// Done again, without a step seen between: the row changed.
		const again = { ...before, updated_at: '2026-01-01T00:00:05Z' };
		expect(settleDeploys(tracked, [again])).toEqual({ tracked: [], ended: [again] });
	});

	it('follows a deploy seen running wherever it was asked for, and forgets an instance gone', () => {
		const running = makeInstance({ id: 4, progress: { step: 'waiting_for_health' } });
		const r = settleDeploys([], [makeInstance({ id: 3 }), running]);
		expect(r).toEqual({ tracked: [{ id: 4, before: '' }], ended: [] });
		const done = { ...running, progress: { step: 'done' } };
		expect(settleDeploys(r.tracked, [done]).ended).toEqual([done]);
		expect(settleDeploys(r.tracked, [])).toEqual({ tracked: [], ended: [] });
	});

	it('asking again replaces the earlier follow of the same instance', () => {
		const a = makeInstance({ updated_at: '1' });
		const b = makeInstance({ updated_at: '2' });
		expect(trackDeploy(trackDeploy([], a), b)).toEqual([{ id: 1, before: deployState(b) }]);
	});

	it('says how a deploy ended', () => {
		const digest = 'sha256:' + 'a'.repeat(64);
		expect(deployOutcome(makeInstance({ tag: 'v2', digest, progress: { step: 'done' } }))).toEqual({
			kind: 'success',
			message: 'web.example.com is deployed: v2 (sha256:aaaaaaaaaaaa) runs.'
		});
		expect(deployOutcome(makeInstance({ status: 'failed', last_error: 'not healthy in time\nlast log lines:\nx', progress: { step: 'failed' } }))).toEqual({
			kind: 'error',
			message: 'The deploy of web.example.com failed: not healthy in time'
		});
		expect(deployOutcome(makeInstance({ status: 'running', last_error: 'pull: unknown tag', progress: { step: 'failed' } })).message).toBe(
			'The new container of web.example.com failed; the running one keeps serving: pull: unknown tag'
		);
		expect(deployOutcome(makeInstance({ fqdn: '', subdomain: 'web', status: 'failed', last_error: '', progress: { step: 'failed' } })).message).toBe(
			'The deploy of web failed: no reason given'
		);
	});

	it('names an instance by its FQDN, else its subdomain', () => {
		expect(instanceName(makeInstance())).toBe('web.example.com');
		expect(instanceName(makeInstance({ fqdn: '' }))).toBe('web');
	});
});

describe('deploySteps and deployFraction', () => {
	const states = (steps: ReturnType<typeof deploySteps>) => steps.map((s) => `${s.step}:${s.state}`);

	it('a first deploy: no draining; the pull with its bytes', () => {
		const inst = makeInstance({ status: 'deploying', progress: { step: 'pulling', current: 5_000_000, total: 20_000_000 } });
		const steps = deploySteps(inst);
		expect(states(steps)).toEqual(['pulling:current', 'creating:todo', 'starting:todo', 'waiting_for_health:todo', 'routing:todo']);
		expect(steps[0].label).toBe('Pulling 5 MB of 20 MB');
		expect(steps[1].label).toBe('Creating the container');
		expect(deployFraction(inst)).toBeCloseTo(0.25 / 5);
	});

	it('a redeploy of a running instance drains the old container last', () => {
		const inst = makeInstance({ status: 'running', progress: { step: 'routing' } });
		expect(states(deploySteps(inst))).toEqual([
			'pulling:done',
			'creating:done',
			'starting:done',
			'waiting_for_health:done',
			'routing:current',
			'draining:todo'
		]);
		expect(deployFraction(inst)).toBeCloseTo(4 / 6);
		expect(states(deploySteps({ status: 'running', progress: { step: 'draining' } })).at(-1)).toBe('draining:current');
	});

	it('nothing while no deploy runs; an unknown step comes last, current', () => {
		expect(deploySteps(makeInstance({ progress: { step: 'done' } }))).toEqual([]);
		expect(deploySteps(makeInstance({ progress: undefined }))).toEqual([]);
		expect(deployFraction(makeInstance({ progress: { step: 'failed' } }))).toBeNull();
		const steps = deploySteps({ status: 'deploying', progress: { step: 'signing' } });
		expect(steps.at(-1)).toEqual({ step: 'signing', label: 'Signing', state: 'current' });
		expect(steps.slice(0, -1).every((s) => s.state === 'done')).toBe(true);
	});
});

describe('upsertInstance', () => {
	it('replaces the instance of the same id, or adds it last', () => {
		const a = makeInstance({ id: 1 });
		const b = makeInstance({ id: 2 });
		expect(upsertInstance([a, b], { ...a, status: 'stopped' }).map((i) => [i.id, i.status])).toEqual([
			[1, 'stopped'],
			[2, 'running']
		]);
		expect(upsertInstance([a], b).map((i) => i.id)).toEqual([1, 2]);
	});
});

describe('engine errors', () => {
	it('engineUnreachable reads /healthz', () => {
		expect(engineUnreachable({ docker: 'unreachable' })).toBe(true);
		expect(engineUnreachable({ docker: 'ok' })).toBe(false);
		expect(engineUnreachable({})).toBe(false);
		expect(engineUnreachable(null)).toBe(false);
	});

	it('the banner says what works and what waits', () => {
		expect(ENGINE_DOWN_MESSAGE).toBe(
			'The Docker Engine cannot be reached: proxies and DNS keep working; deploys and actions wait until it answers.'
		);
	});

	it('a 502 says the engine cannot be reached and that nothing changed', () => {
		const err = new ApiError(502, 'the Docker Engine cannot be reached: Cannot connect to the Docker daemon. Is the docker daemon running?');
		expect(engineDown(err)).toBe(true);
		expect(deployErrorMessage(err)).toBe(
			'Could not deploy: the Docker Engine cannot be reached: Cannot connect to the Docker daemon. Is the docker daemon running? Nothing was changed; try again once the engine answers.'
		);
		expect(deployErrorMessage(new ApiError(502, 'the Docker Engine cannot be reached'), 'Could not stop web')).toBe(
			'Could not stop web: the Docker Engine cannot be reached. Nothing was changed; try again once the engine answers.'
		);
	});

	it('reading needs no word on changes', () => {
		const err = new ApiError(502, 'the Docker Engine cannot be reached: dial');
		expect(deployErrorMessage(err, 'Could not read the logs', false)).toBe(
			'Could not read the logs: the Docker Engine cannot be reached: dial. Try again once the engine answers.'
		);
	});

	it("a proxy's 502 in front of Docker Watcher is not taken for the engine's", () => {
		const err = new ApiError(502, 'Request failed: 502 Bad Gateway');
		expect(engineDown(err)).toBe(false);
		expect(deployErrorMessage(err)).toBe('Could not deploy: Request failed: 502 Bad Gateway');
	});

	it('another error keeps the API message', () => {
		const err = new ApiError(409, 'the instance has no earlier image to roll back to');
		expect(engineDown(err)).toBe(false);
		expect(deployErrorMessage(err, 'Could not roll back web')).toBe('Could not roll back web: the instance has no earlier image to roll back to');
	});
});
