/**
 * The registry webhook of an app: its URL, and the snippets that set it up
 * (Distribution's notifications with the secret as a Bearer token; a
 * signed curl call for CI), as docs/deploy.md shows them.
 */

export const WEBHOOK_PATH = '/api/hooks/registry';

/** Where registries send pushes: `<origin>/api/hooks/registry`. */
export function webhookURL(origin: string): string {
	return origin.replace(/\/+$/, '') + WEBHOOK_PATH;
}

/** A stored image's registry host and repository path ("docker.io", "library/nginx"). */
export function imageParts(image: string): { host: string; path: string } {
	const slash = image.indexOf('/');
	const first = slash < 0 ? '' : image.slice(0, slash);
	// Docker's rule: the first part is a host when it has a dot or a port, or is localhost.
	if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
		return { host: first, path: image.slice(slash + 1) };
	}
	return { host: 'docker.io', path: slash < 0 ? `library/${image}` : image };
}

/** Tags tried for an example when the registry gave none: the first the pattern takes. */
const EXAMPLE_TAGS = ['v1.0.0', '1.0.0', 'v1.0', '1.0', 'v1', '1', 'latest', 'main', 'stable'];

/**
 * A tag for the examples: the first known one (the registry's newest), else
 * the first common tag that the pattern takes in full, else "TAG". The
 * pattern is RE2; one JavaScript cannot read gives "TAG" too.
 */
export function exampleTag(pattern: string, known: readonly string[] = []): string {
	if (known.length > 0) return known[0];
	let re: RegExp;
	try {
		re = new RegExp(`^(?:${pattern})$`);
	} catch {
		return 'TAG';
	}
	return EXAMPLE_TAGS.find((t) => re.test(t)) ?? 'TAG';
}

/** The placeholder of the secret in the snippets, when it is not known here. */
export const SECRET_PLACEHOLDER = '<registry_webhook_secret>';

/**
 * The `notifications` section of Distribution's config.yml
 * (`/etc/docker/registry/config.yml` for Debian's docker-registry).
 */
export function distributionSnippet(url: string, secret = SECRET_PLACEHOLDER): string {
	return [
		'notifications:',
		'  endpoints:',
		'    - name: docker-watcher',
		`      url: ${url}`,
		'      headers:',
		`        Authorization: [Bearer ${secret}]`,
		'      timeout: 5s',
		'      threshold: 5',
		'      backoff: 10s',
		'      ignoredmediatypes:',
		'        - application/octet-stream   # layer events; skipped anyway'
	].join('\n');
}

/** A JSON string as the shell takes it inside single quotes. */
const shellQuoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A push of `tag` of the app from CI with curl, signed with an HMAC of the
 * body so that the secret never goes over the wire.
 */
export function curlSnippet(url: string, app: string, tag: string): string {
	const body = JSON.stringify({ app, tag });
	return [
		`body=${shellQuoted(body)}`,
		`sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$DW_WEBHOOK_SECRET" | sed 's/^.*= //')`,
		`curl -fsS ${url} \\`,
		`  -H 'Content-Type: application/json' \\`,
		`  -H "X-Docker-Watcher-Signature: sha256=$sig" -d "$body"`
	].join('\n');
}

/** A new webhook secret: 32 random bytes, base64url (43 characters). */
export function generateSecret(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
	const bytes = random(new Uint8Array(32));
	let binary = '';
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
