import { describe, expect, it } from 'vitest';
import { autoDeployText, countText, deleteConsequence, healthText, instanceCounts, instancesOf, lastCheckText, limitsText } from './apps';
import { makeApp } from './test/apps';
import { makeInstance } from './test/factories';

const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

describe('autoDeployText', () => {
	it.each([
		[{ auto_deploy: false, poll_interval_seconds: 300 }, 'Off'],
		[{ auto_deploy: true, poll_interval_seconds: 0 }, 'Webhooks only'],
		[{ auto_deploy: true, poll_interval_seconds: 300 }, 'Every 5 minutes'],
		[{ auto_deploy: true, poll_interval_seconds: 45 }, 'Every 45 seconds']
	])('%o: %s', (app, text) => expect(autoDeployText(app)).toBe(text));
});

describe('lastCheckText', () => {
	it("shows the check's time in the locale given", () => {
		expect(lastCheckText(makeApp({ last_checked_at: '2026-11-27T21:05:00Z' }), utc)).toBe('27 Nov 2026, 21:05');
	});
	it('says why there is no check yet', () => {
		expect(lastCheckText(makeApp({ auto_deploy: false }))).toBe('Not watched');
		expect(lastCheckText(makeApp())).toBe('Not yet');
		expect(lastCheckText(makeApp({ poll_interval_seconds: 0 }))).toBe('At the first push');
	});
});

describe('instances of apps', () => {
	const list = [makeInstance({ id: 1, app_id: 1 }), makeInstance({ id: 2, app_id: 2 }), makeInstance({ id: 3, app_id: 1 })];
	it('counts them by app', () => {
		const counts = instanceCounts(list);
		expect([counts.get(1), counts.get(2), counts.get(3)]).toEqual([2, 1, undefined]);
	});
	it("lists an app's, newest first", () => {
		expect(instancesOf(list, 1).map((i) => i.id)).toEqual([3, 1]);
		expect(instancesOf(list, 9)).toEqual([]);
	});
	it('counts in words', () => {
		expect([countText(0), countText(1), countText(2)]).toEqual(['0 instances', '1 instance', '2 instances']);
	});
});

describe('limitsText and healthText', () => {
	it('names the limits set', () => {
		expect(limitsText(makeApp())).toBe('No limits');
		expect(limitsText(makeApp({ memory_mb: 256, cpus: 0.5 }))).toBe('256 MB memory, 0.5 CPUs');
		expect(limitsText(makeApp({ cpus: 1 }))).toBe('1 CPU');
	});
	it('names the health check that applies', () => {
		expect(healthText(makeApp())).toMatch(/TCP/);
		expect(healthText(makeApp({ health_path: '/healthz', health_host: 'web.internal' }))).toBe(
			"The image's HEALTHCHECK, else GET /healthz (Host: web.internal) answering 2xx or 3xx"
		);
	});
});

describe('deleteConsequence', () => {
	it('says an app without instances just goes', () => {
		expect(deleteConsequence('web', 0)).toMatch(/^web is deleted with its settings/);
	});
	it('says one with instances will be refused, and what to do', () => {
		expect(deleteConsequence('web', 1)).toBe(
			'web has 1 instance: an app with instances cannot be deleted, and the server will refuse. Remove it first on the Instances page; its container keeps running until then.'
		);
		expect(deleteConsequence('web', 3)).toMatch(/^web has 3 instances: .* Remove them first .* their containers keep running/);
	});
});
