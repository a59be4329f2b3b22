/** The state of the DNS form's connection test (POST /api/dns/test). */
import { testDns } from '$lib/api/dns';
import { describeError, type FieldErrors } from '$lib/errors';
import type { DnsTestRequest, DnsTestResult } from '$lib/types/dns';

export class ConnectionTest {
	running = $state(false);
	result = $state<DnsTestResult | null>(null);
	/** Why the test could not run; null when it ran or has not. */
	error = $state<string | null>(null);
	/** The last test used a token typed in the form, not the stored one. */
	typedToken = $state(false);

	/** Forget the last result, e.g. when a field it tested was changed. */
	reset(): void {
		this.result = null;
		this.error = null;
	}

	/** Run a test; returns the errors of the form's `fields` it found. */
	async run(request: DnsTestRequest, fields: readonly string[]): Promise<FieldErrors> {
		this.running = true;
		this.reset();
		try {
			this.result = await testDns(request);
			this.typedToken = !!request.cloudflare_api_token;
			return {};
		} catch (err) {
			const described = describeError(err, fields);
			this.error = described.message;
			return described.fields;
		} finally {
			this.running = false;
		}
	}
}
