/** A stand-in for EventSource that a test drives, and a LiveEvents on it. */
import { LiveEvents, type Source } from '$lib/events.svelte';

export class FakeSource implements Source {
	onopen: ((e: Event) => void) | null = null;
	onerror: ((e: Event) => void) | null = null;
	closed = false;
	listeners = new Map<string, ((e: MessageEvent) => void)[]>();
	addEventListener(type: string, l: (e: MessageEvent) => void) {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
	}
	close() {
		this.closed = true;
	}
	open() {
		this.onopen?.(new Event('open'));
	}
	fail() {
		this.onerror?.(new Event('error'));
	}
	send(type: string, data: string) {
		for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data }));
	}
}

/** A LiveEvents whose streams are FakeSources (in `sources`, oldest first); the n-th reconnection waits n × 100 ms. */
export function fakeLive(keep = 3) {
	const sources: FakeSource[] = [];
	const live = new LiveEvents({
		open: () => {
			const s = new FakeSource();
			sources.push(s);
			return s;
		},
		backoff: (n) => n * 100,
		keep
	});
	return { live, sources };
}
