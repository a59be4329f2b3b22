/** Pure logic of the certificate list: state badges, challenges, validity, what an empty list means. */

import { badgeView, formatDateTime, type BadgeView, type StateBadge } from './format';
import type { Certificate, CertificateList, CertificateState } from './types/certificate';

const STATES: Record<CertificateState, StateBadge> = {
	valid: { label: 'Valid', tone: 'ok', description: 'In use; it is renewed ahead of its end.' },
	pending: { label: 'Pending', tone: 'busy', description: 'Not obtained yet: through DNS-01 at once, through HTTP-01 at the first HTTPS request for the name.' },
	obtaining: { label: 'Obtaining', tone: 'busy', description: 'The first certificate is being obtained from the CA.' },
	renewing: { label: 'Renewing', tone: 'busy', description: 'A new certificate is being obtained; the current one stays in use.' },
	expiring: { label: 'Expiring', tone: 'warn', description: 'Due for renewal, and the last attempt failed; it is tried again.' },
	error: { label: 'Error', tone: 'bad', description: 'The last attempt failed; it is tried again.' },
	none: { label: 'None', tone: 'off', description: 'No certificate yet.' }
};

/** A certificate state for people: label, colour and meaning; an unknown state readable as it is. */
export function certificateState(state: CertificateState | string): BadgeView {
	return badgeView(STATES, state);
}

/** How the CA checked the names: "DNS-01", "HTTP-01"; an unknown challenge as it is. */
export function challengeLabel(challenge: string): string {
	return /^(dns|http|tls-alpn)-01$/.test(challenge) ? challenge.toUpperCase() : challenge;
}

/** What a challenge means, for its title; "" for an unknown one. */
export function challengeDescription(challenge: string): string {
	switch (challenge) {
		case 'dns-01': return 'The CA checks a TXT record that Docker Watcher writes through the DNS provider.';
		case 'http-01': return 'The CA asks the built-in proxy for a token over HTTP, on port 80.';
		default: return '';
	}
}

export interface Validity {
	/** not_before in the user's locale; "—" when missing. */
	from: string;
	/** not_after in the user's locale; "—" when missing. */
	until: string;
}

/** When a certificate is valid, in the user's locale; null while there is none. */
export function validity(c: Pick<Certificate, 'not_before' | 'not_after'>, format?: Intl.DateTimeFormat): Validity | null {
	if (!c.not_before && !c.not_after) return null;
	return { from: formatDateTime(c.not_before, format), until: formatDateTime(c.not_after, format) };
}

/** The message of an empty list: what to do to get certificates, as the server says it when it does. */
export function emptyMessage(list: Pick<CertificateList, 'enabled' | 'off_reason'>): string {
	if (list.enabled) return 'No certificates yet: they are obtained in the background. Renew now starts at once.';
	return list.off_reason || 'Set a domain and enable ACME to get certificates.';
}

/** The toast after Renew now. */
export const RENEW_STARTED = 'Renewal started: the certificates are obtained in the background.';

/** Beside a list of certificates while none is obtained (ACME off, or no domain). */
export const NOT_RENEWED = 'ACME is off or no domain is set: these certificates are not renewed.';

/** The HTTPS badge of a proxy or an instance: the certificate state, and until when it is valid. */
export function httpsBadge(c: { state: string; not_after?: string } | null | undefined): (BadgeView & { title: string }) | null {
	if (!c) return null;
	const view = certificateState(c.state);
	const until = c.not_after ? ` Valid until ${formatDateTime(c.not_after)}.` : '';
	return { ...view, label: `HTTPS: ${view.label}`, title: `Certificate: ${view.description}${until}` };
}
