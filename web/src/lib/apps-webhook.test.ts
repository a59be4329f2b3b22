import { describe, expect, it } from 'vitest';
import { curlSnippet, distributionSnippet, exampleTag, generateSecret, imageParts, webhookURL } from './apps-webhook';

describe('webhookURL', () => {
	it('is the origin and /api/hooks/registry', () => {
		expect(webhookURL('https://dw.example.com')).toBe('https://dw.example.com/api/hooks/registry');
		expect(webhookURL('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/api/hooks/registry');
	});
});

describe('imageParts', () => {
	it.each([
		['registry.example.com/team/web', 'registry.example.com', 'team/web'],
		['127.0.0.1:5000/web', '127.0.0.1:5000', 'web'],
		['localhost/web', 'localhost', 'web'],
		['docker.io/library/nginx', 'docker.io', 'library/nginx'],
		['team/web', 'docker.io', 'team/web'],
		['nginx', 'docker.io', 'library/nginx']
	])('%s', (image, host, path) => expect(imageParts(image)).toEqual({ host, path }));
});

describe('exampleTag', () => {
	it("takes the registry's newest tag", () => {
		expect(exampleTag('v\\d+', ['v9', 'v8'])).toBe('v9');
	});
	it('else the first common tag the pattern takes in full', () => {
		expect(exampleTag('v\\d+\\.\\d+\\.\\d+')).toBe('v1.0.0');
		expect(exampleTag('\\d+')).toBe('1');
		expect(exampleTag('latest')).toBe('latest');
		expect(exampleTag('v1|latest')).toBe('v1');
	});
	it('else TAG, also for a pattern JavaScript cannot read', () => {
		expect(exampleTag('release-[a-z]+')).toBe('TAG');
		expect(exampleTag('(?P<x>a)')).toBe('TAG');
	});
});

describe('distributionSnippet', () => {
	it("is the notifications section of Distribution's config, the secret as a Bearer token", () => {
		expect(distributionSnippet('https://dw.example.com/api/hooks/registry', 's3cret-s3cret-s3cret')).toBe(
			`notifications:
  endpoints:
    - name: docker-watcher
      url: https://dw.example.com/api/hooks/registry
      headers:
        Authorization: [Bearer s3cret-s3cret-s3cret]
      timeout: 5s
      threshold: 5
      backoff: 10s
      ignoredmediatypes:
        - application/octet-stream   # layer events; skipped anyway`
		);
	});
	it('shows a placeholder when the secret is not known here', () => {
		expect(distributionSnippet('https://x/api/hooks/registry')).toContain('Authorization: [Bearer <registry_webhook_secret>]');
	});
});

describe('curlSnippet', () => {
	it('signs the body with an HMAC of the secret and sends the same body', () => {
		expect(curlSnippet('https://dw.example.com/api/hooks/registry', 'web', 'v1.3.0')).toBe(
			`body='{"app":"web","tag":"v1.3.0"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$DW_WEBHOOK_SECRET" | sed 's/^.*= //')
curl -fsS https://dw.example.com/api/hooks/registry \\
  -H 'Content-Type: application/json' \\
  -H "X-Docker-Watcher-Signature: sha256=$sig" -d "$body"`
		);
	});
	it("quotes a tag with a quote for the shell (the pattern may allow one that Docker's tags do not)", () => {
		expect(curlSnippet('u', 'web', "it's")).toContain(`body='{"app":"web","tag":"it'\\''s"}'`);
	});
});

describe('generateSecret', () => {
	it('is 32 bytes in base64url: 43 characters the setting takes (16 to 256, no white space)', () => {
		const s = generateSecret();
		expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(generateSecret()).not.toBe(s);
	});
	it('encodes the random bytes', () => {
		expect(generateSecret((b) => b.fill(255))).toBe('_'.repeat(42) + '8');
	});
});
