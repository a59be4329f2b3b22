/**
 * The fetch wrapper every API module goes through: JSON in and out, the
 * session cookie sent (same origin), errors turned into ApiError from the
 * API's `{"error", "field"}` body, and a 401 sending the user to /login.
 */

export class ApiError extends Error {
	/** HTTP status; 0 when the server could not be reached. */
	readonly status: number;
	/** The input field at fault, when the API names one. */
	readonly field: string | undefined;
	/** Seconds to wait before trying again (the Retry-After header of a 429). */
	retryAfter: number | undefined;
	/** The parsed JSON body of the answer, when it had one (e.g. the instance of a 422). */
	body: unknown;

	constructor(status: number, message: string, field?: string) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.field = field || undefined;
	}
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
	/**
	 * Leave a 401 to the caller instead of redirecting to /login: for the
	 * login call itself and for the start-up session check.
	 */
	noAuthRedirect?: boolean;
	signal?: AbortSignal;
}

export type UnauthorizedHandler = () => void;

/** Default: a full navigation to the login page, remembering where we were. */
export function redirectToLogin(): void {
	const loc = globalThis.location;
	if (!loc || loc.pathname === '/login') return;
	const next = loc.pathname + loc.search;
	loc.assign('/login?next=' + encodeURIComponent(next));
}

let onUnauthorized: UnauthorizedHandler = redirectToLogin;

/** The app replaces the default full-page redirect with client-side navigation. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
	onUnauthorized = handler;
}

/** Build an ApiError from a failed response, whatever its body is. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
	const error = await errorFromBody(res);
	error.retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
	return error;
}

/** Retry-After in seconds: a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, Math.ceil((date - now) / 1000));
}

async function errorFromBody(res: Response): Promise<ApiError> {
	let text = '';
	try {
		text = await res.text();
	} catch {
		// body unreadable: fall through to the status line
	}
	if (text) {
		try {
			const body: unknown = JSON.parse(text);
			if (body && typeof body === 'object' && 'error' in body) {
				const { error, field } = body as { error: unknown; field?: unknown };
				if (typeof error === 'string' && error !== '') {
					const err = new ApiError(res.status, error, typeof field === 'string' ? field : undefined);
					err.body = body;
					return err;
				}
			}
		} catch {
			// not JSON (e.g. a proxy's HTML error page)
		}
	}
	const statusText = res.statusText || defaultStatusText(res.status);
	return new ApiError(res.status, `Request failed: ${res.status}${statusText ? ' ' + statusText : ''}`);
}

function defaultStatusText(status: number): string {
	switch (status) {
		case 400: return 'Bad Request';
		case 401: return 'Unauthorized';
		case 403: return 'Forbidden';
		case 404: return 'Not Found';
		case 409: return 'Conflict';
		case 429: return 'Too Many Requests';
		case 500: return 'Internal Server Error';
		case 502: return 'Bad Gateway';
		case 503: return 'Service Unavailable';
		case 504: return 'Gateway Timeout';
		default: return '';
	}
}

/** Send a request; a failed one (no answer, or not 2xx) throws ApiError. */
async function send(method: Method, path: string, body: unknown, options: RequestOptions, accept: string): Promise<Response> {
	const headers: Record<string, string> = { Accept: accept };
	const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}

	let res: Response;
	try {
		res = await fetch(path, init);
	} catch (err) {
		if (err instanceof DOMException && err.name === 'AbortError') throw err;
		throw new ApiError(0, 'Could not reach the server. Check your connection and try again.');
	}

	if (!res.ok) {
		const error = await errorFromResponse(res);
		if (res.status === 401 && !options.noAuthRedirect) onUnauthorized();
		throw error;
	}
	return res;
}

export async function request<T>(
	method: Method,
	path: string,
	body?: unknown,
	options: RequestOptions = {}
): Promise<T> {
	const res = await send(method, path, body, options, 'application/json');
	if (res.status === 204) return undefined as T;
	const text = await res.text();
	if (!text) return undefined as T;
	try {
		return JSON.parse(text) as T;
	} catch {
		throw new ApiError(res.status, 'The server sent an answer that is not JSON.');
	}
}

/** A GET whose answer is text (e.g. a container's logs); errors as for request. */
export async function requestText(path: string, options: RequestOptions = {}): Promise<string> {
	const res = await send('GET', path, undefined, options, 'text/plain, application/json');
	return res.text();
}

export const api = {
	get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
	post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
		request<T>('POST', path, body, options),
	put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
		request<T>('PUT', path, body, options),
	del: (path: string, options?: RequestOptions) => request<void>('DELETE', path, undefined, options),
	text: (path: string, options?: RequestOptions) => requestText(path, options)
};
