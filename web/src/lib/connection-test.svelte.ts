/**
 * The state of a settings form's connection test (the DNS provider's, Nginx
 * Proxy Manager's): under way, its answer, or why it could not run.
 */
import { describeError, type FieldErrors } from '$lib/errors';

export class ConnectionTest<Request, Result> {
	running = $state(false);
	result = $state<Result | null>(null);
	/** Why the test could not run; null when it ran or has not. */
	error = $state<string | null>(null);
	/** The last test used a secret typed in the form, not the stored one. */
	typedSecret = $state(false);

	/**
	 * @param call the API call of the test
	 * @param sendsSecret whether a request carries a typed secret
	 */
	constructor(
		private readonly call: (request: Request) => Promise<Result>,
		private readonly sendsSecret: (request: Request) => boolean
	) {}

	/** Forget the last result, e.g. when a field it tested was changed. */
	reset(): void {
		this.result = null;
		this.error = null;
	}

	/** Run a test; returns the errors of the form's `fields` it found. */
	async run(request: Request, fields: readonly string[]): Promise<FieldErrors> {
		this.running = true;
		this.reset();
		try {
			this.result = await this.call(request);
			this.typedSecret = this.sendsSecret(request);
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
