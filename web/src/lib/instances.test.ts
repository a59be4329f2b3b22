import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import {
	ENGINE_DOWN_MESSAGE,
	actionHint,
	actionWords,
	deployErrorMessage,
	deployRunning,
	engineDown,
	engineUnreachable,
	formatBytes,
	instanceActions,
	pendingDeploy,
	progressLabel,
	progressText,
	pullFraction,
	settlePending,
	shortDigest,
	shouldPoll,
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

describe('shouldPoll and pending deploys', () => {
	it('polls while a deploy runs, not once all are done or failed', () => {
		expect(shouldPoll([makeInstance({ progress: { step: 'pulling' } })])).toBe(true);
		expect(shouldPoll([makeInstance({ progress: { step: 'done' } }), makeInstance({ id: 2, status: 'failed', progress: { step: 'failed' } })])).toBe(
			false
		);
		expect(shouldPoll([makeInstance()])).toBe(false);
		expect(shouldPoll([])).toBe(false);
	});

	it('a deploying instance the server has no step for (it restarted) is not polled for ever', () => {
		expect(shouldPoll([makeInstance({ status: 'deploying' })])).toBe(false);
	});

	it('polls while a deploy asked for here has not shown its end', () => {
		const inst = makeInstance({ status: 'deploying' });
		expect(shouldPoll([inst], [pendingDeploy(inst, 0)])).toBe(true);
	});

	it('a new deploy waits until its instance ended in a final step, not deploying', () => {
		const asked = makeInstance({ status: 'deploying', container_id: '' });
		let pending = [pendingDeploy(asked, 0)];
		pending = settlePending(pending, [asked], 1000);
		expect(pending).toHaveLength(1);
		pending = settlePending(pending, [{ ...asked, progress: { step: 'pulling' } }], 2000);
		expect(pending).toEqual([{ id: 1, since: 2000, before: '' }]);
		// The step is failed a moment before the row says so: still waiting.
		pending = settlePending(pending, [{ ...asked, progress: { step: 'failed' } }], 3000);
		expect(pending).toHaveLength(1);
		pending = settlePending(pending, [{ ...asked, status: 'failed', progress: { step: 'failed' } }], 4000);
		expect(pending).toEqual([]);
	});

	it("a redeploy is not taken for done by the last deploy's done", () => {
		const before = makeInstance({ progress: { step: 'done' }, updated_at: '2026-01-01T00:00:00Z' });
		let pending = [pendingDeploy(before, 0)];
		pending = settlePending(pending, [before], 1000);
		expect(pending).toHaveLength(1);
		// Done again, quicker than a poll: the row changed.
		pending = settlePending(pending, [{ ...before, updated_at: '2026-01-01T00:00:05Z' }], 2000);
		expect(pending).toEqual([]);
	});

	it('gives up on a deploy that shows no change, or whose instance is gone', () => {
		const inst = makeInstance({ progress: { step: 'done' } });
		expect(settlePending([pendingDeploy(inst, 0)], [inst], 29_000)).toHaveLength(1);
		expect(settlePending([pendingDeploy(inst, 0)], [inst], 31_000)).toEqual([]);
		expect(settlePending([pendingDeploy(inst, 0)], [], 1000)).toEqual([]);
	});

	it('a long pull never times out while it runs', () => {
		const inst = makeInstance({ progress: { step: 'pulling', current: 1, total: 9 } });
		expect(settlePending([pendingDeploy(makeInstance(), 0)], [inst], 600_000)).toEqual([{ id: 1, since: 600_000, before: '' }]);
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
