/**
 * The load / failed / retry pattern of the pages: what was loaded, the error
 * of the last attempt, whether one is under way, and reload() for the
 * Refresh and "Try again" buttons.
 */
import { handleError } from './errors';

export interface Loader<T> {
	/** The last answer; null until one came. Pages may change it after a write. */
	data: T | null;
	/** What the last load threw; null while it has not failed. */
	readonly error: unknown;
	readonly loading: boolean;
	/** Load again; a newer load cancels an older one still under way. */
	reload(): Promise<void>;
	/** Cancel the load under way (e.g. when the page is left). */
	abort(): void;
}

export interface LoaderOptions<T> {
	/** Starts the toast of a failed load, e.g. "Could not load the proxies". */
	context: string;
	/** Whether the page starts out loading (the default), or waits for reload(). */
	loading?: boolean;
	/** Called with each answer, before data is set. */
	onload?: (data: T) => void;
	/** Instead of the toast of handleError, e.g. to show the message next to a field. */
	onerror?: (err: unknown) => void;
}

export function createLoader<T>(load: (signal: AbortSignal) => Promise<T>, options: LoaderOptions<T>): Loader<T> {
	let data = $state<T | null>(null);
	let error = $state<unknown>(null);
	let loading = $state(options.loading ?? true);
	let controller: AbortController | null = null;

	async function reload() {
		controller?.abort();
		const mine = new AbortController();
		controller = mine;
		loading = true;
		error = null;
		try {
			const answer = await load(mine.signal);
			if (mine.signal.aborted) return;
			options.onload?.(answer);
			data = answer;
		} catch (err) {
			if (mine.signal.aborted) return;
			error = err;
			if (options.onerror) options.onerror(err);
			else handleError(err, [], options.context);
		} finally {
			if (controller === mine) {
				loading = false;
				controller = null;
			}
		}
	}

	return {
		get data() {
			return data;
		},
		set data(value: T | null) {
			data = value;
		},
		get error() {
			return error;
		},
		get loading() {
			return loading;
		},
		reload,
		abort() {
			controller?.abort();
			controller = null;
			loading = false;
		}
	};
}
