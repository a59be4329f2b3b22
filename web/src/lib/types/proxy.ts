import type { CertificateBadge } from './certificate';
export type ForwardScheme = 'http' | 'https';

/** The writable fields of a standalone proxy (POST and PUT take all of them). */
export interface ProxyInput {
	domain: string;
	forward_scheme: ForwardScheme;
	forward_host: string;
	forward_port: number;
}

export interface Proxy extends ProxyInput {
	id: number;
	/** The router's id of the route (NPM's proxy host id; the proxy's own id under the built-in proxy); 0 when none. */
	proxy_route_id: number;
	route: RouteStatus;
	/** The certificate serving the name over HTTPS; null when none is planned. */
	certificate?: CertificateBadge | null;
	created_at: string;
	updated_at: string;
}

/** The router that serves the routes: the proxy in this binary, or Nginx Proxy Manager. */
export type Router = 'builtin' | 'npm';

/**
 * The states of a route: active, stopped and deploying are the route's own
 * (an instance that does not run, or is on its way up, is answered 503);
 * conflict (the router holds the name for an entry not Docker Watcher's),
 * error (the router refused or could not be reached) and none (no name to
 * route) are the last sync's.
 */
export const ROUTE_STATES = ['active', 'stopped', 'deploying', 'conflict', 'error', 'pending', 'none'] as const;

export type RouteState = (typeof ROUTE_STATES)[number];

/** The route of a proxy or an instance, as the last sync left it. */
export interface RouteStatus {
	router: Router | string;
	state: RouteState | string;
	/** Where the route is reached, e.g. "http://app.example.com:8081/"; absent when there is none. */
	url?: string;
	/** The router's message; only with state conflict or error. */
	error?: string;
}

/** The answer of POST /api/proxies/{id}/check: whether the route answers. */
export interface RouteCheck {
	/** A response came that is not 502, 503 or 504. */
	answers: boolean;
	/** The response's status; absent when none came. */
	status?: number;
	/** Why there was no answer. */
	error?: string;
	/** "proxy": asked through the built-in proxy; "upstream": the target itself (NPM routes the proxy). */
	via: 'proxy' | 'upstream' | string;
	duration_ms: number;
}
