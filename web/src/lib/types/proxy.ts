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
	proxy_route_id: number;
	created_at: string;
	updated_at: string;
}
