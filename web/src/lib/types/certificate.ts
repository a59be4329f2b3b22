/**
 * The states of a certificate: valid; pending (not obtained yet; HTTP-01:
 * at the first HTTPS request); obtaining (the first one is being
 * obtained); renewing; expiring (close to its end, not renewed yet); error
 * (the last attempt failed: last_error); none (no certificate yet).
 */
export const CERTIFICATE_STATES = ['valid', 'pending', 'obtaining', 'renewing', 'expiring', 'error', 'none'] as const;

export type CertificateState = (typeof CERTIFICATE_STATES)[number];

/** How the CA checks the names: a TXT record through the DNS provider, or a request to the built-in proxy. */
export type Challenge = 'dns-01' | 'http-01';

/** One certificate of the built-in proxy. */
export interface Certificate {
	/** The names it covers, e.g. ["*.example.com", "example.com"]. */
	names: string[];
	challenge: Challenge | string;
	/** The CA's name for it; "" while there is none. */
	issuer: string;
	/** RFC 3339; null while there is no certificate. */
	not_before: string | null;
	not_after: string | null;
	state: CertificateState | string;
	/** The CA's or the challenge's message of the last failed attempt; "" when none. */
	last_error: string;
	/** When it is renewed next; null while there is no certificate. */
	renewal_at: string | null;
	/** When the last attempt to obtain or renew it ended (RFC 3339), since the server started; null before the first. */
	last_attempt_at: string | null;
}

/** GET /api/certificates. */
export interface CertificateList {
	/** Certificates are obtained: acme_enabled and a domain set. */
	enabled: boolean;
	certificates: Certificate[];
	/** While not enabled: why none is obtained (e.g. DW_ACME=off on the server), in words for people. */
	off_reason?: string;
}

/** POST /api/certificates/renew (202): the renewal runs in the background. */
export interface RenewStarted {
	started: boolean;
}

/** The certificate that serves a proxy's or an instance's name. */
export interface CertificateBadge {
	state: CertificateState | string;
	/** RFC 3339; absent while there is no certificate. */
	not_after?: string;
}
