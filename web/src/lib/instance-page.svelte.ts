/**
 * What the pages of instances (the list, an instance's page) run while
 * they are open: their feed of the event stream, /healthz every 10 s (for
 * the engine's banner), and a clock for "5 minutes ago".
 */
import { engineHealth } from './health.svelte';
import type { InstanceFeed } from './instance-feed.svelte';
import { deployOutcome } from './instances';
import { toasts } from './toast.svelte';
import type { Instance } from './types/instance';

const HEALTH_MS = 10_000;
const CLOCK_MS = 30_000;

/** Now, redrawn every half minute. */
export class Clock {
	now = $state(Date.now());
}

/** The toast of a deploy that ended (the feed's onended). */
export function showOutcome(inst: Instance): void {
	const { kind, message } = deployOutcome(inst);
	toasts.show(kind, message);
}

/** Start the feed, the health checks and the clock; returns the function that stops them. */
export function runInstancePage(feed: InstanceFeed, clock: Clock): () => void {
	const stop = feed.start();
	const unwatch = engineHealth.watch(HEALTH_MS);
	const timer = setInterval(() => (clock.now = Date.now()), CLOCK_MS);
	return () => {
		stop();
		unwatch();
		clearInterval(timer);
	};
}
