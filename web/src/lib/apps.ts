/** Pure logic of the Apps pages: how an app's watching, checks and limits read, and its instances. */
import { intervalText } from './apps-form';
import { formatDateTime } from './format';
import type { App } from './types/app';
import type { Instance } from './types/instance';

/** How the watcher deploys the app: "Every 5 minutes", "Webhooks only", "Off". */
export function autoDeployText(app: Pick<App, 'auto_deploy' | 'poll_interval_seconds'>): string {
	if (!app.auto_deploy) return 'Off';
	if (app.poll_interval_seconds <= 0) return 'Webhooks only';
	const every = intervalText(app.poll_interval_seconds);
	return every[0].toUpperCase() + every.slice(1);
}

/** When the registry was last checked, in the user's locale; why there is none yet otherwise. */
export function lastCheckText(app: Pick<App, 'auto_deploy' | 'poll_interval_seconds' | 'last_checked_at'>, format?: Intl.DateTimeFormat): string {
	if (app.last_checked_at) return formatDateTime(app.last_checked_at, format);
	if (!app.auto_deploy) return 'Not watched';
	return app.poll_interval_seconds > 0 ? 'Not yet' : 'At the first push';
}

/** The number of instances of each app, by app id. */
export function instanceCounts(instances: readonly Pick<Instance, 'app_id'>[]): Map<number, number> {
	const counts = new Map<number, number>();
	for (const i of instances) counts.set(i.app_id, (counts.get(i.app_id) ?? 0) + 1);
	return counts;
}

/** The app's instances, newest first. */
export function instancesOf<T extends Pick<Instance, 'app_id' | 'id'>>(instances: readonly T[], appId: number): T[] {
	return instances.filter((i) => i.app_id === appId).sort((a, b) => b.id - a.id);
}

/** "1 instance", "3 instances". */
export function countText(n: number, noun = 'instance'): string {
	return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The limits of the app's containers: "256 MB memory, 0.5 CPUs", "No limits". */
export function limitsText(app: Pick<App, 'memory_mb' | 'cpus'>): string {
	const parts: string[] = [];
	if (app.memory_mb > 0) parts.push(`${app.memory_mb} MB memory`);
	if (app.cpus > 0) parts.push(`${app.cpus} CPU${app.cpus === 1 ? '' : 's'}`);
	return parts.length ? parts.join(', ') : 'No limits';
}

/** How a container is found healthy: the image's HEALTHCHECK first, then the app's path, else TCP. */
export function healthText(app: Pick<App, 'health_path' | 'health_host'>): string {
	if (!app.health_path) return "The image's HEALTHCHECK, else the port accepting TCP";
	const host = app.health_host ? ` (Host: ${app.health_host})` : '';
	return `The image's HEALTHCHECK, else GET ${app.health_path}${host} answering 2xx or 3xx`;
}

/** What the delete dialog says happens, by the number of instances the app has. */
export function deleteConsequence(name: string, count: number): string {
	if (count === 0) return `${name} is deleted with its settings; no container runs from it. Its registry is no longer watched.`;
	return (
		`${name} has ${countText(count)}: an app with instances cannot be deleted, and the server will refuse. ` +
		`Remove ${count === 1 ? 'it' : 'them'} first on the Instances page; ${count === 1 ? 'its container keeps' : 'their containers keep'} running until then.`
	);
}
