/**
 * The form state of "Deploy a tag" (the app page's and the instances
 * page's): the tag and subdomain typed, the request, and the API's
 * answer put at its fields or above the form.
 */
import { deployApp } from './api/instances';
import { describeError, focusFieldError, type FieldErrors } from './errors';
import { deployErrorMessage, engineDown } from './instances';
import type { Instance } from './types/instance';

export interface DeployDeps {
	deployApp: typeof deployApp;
	/** Moves the focus to the first field with an error. */
	focus: (errors: FieldErrors) => void;
}

const defaultDeps: DeployDeps = { deployApp, focus: (errors) => focusFieldError(errors, 'deploy-') };

export class DeployRequest {
	tag = $state('');
	subdomain = $state('');
	errors = $state<FieldErrors>({});
	message = $state<string | null>(null);
	busy = $state(false);

	/** `fields`: the fields an error can name (the ids are "deploy-" and the field). */
	constructor(
		private readonly fields: readonly string[],
		private readonly deps: DeployDeps = defaultDeps
	) {}

	/**
	 * Deploy the typed tag of `appId`: the new instance (the form cleared),
	 * or null when a field is missing or the API refused (shown, and
	 * `onengineerror` called when the engine did not answer). `noTag` is
	 * the message for a tag not given.
	 */
	async submit(appId: number | null, noTag: string, onengineerror?: () => void): Promise<Instance | null> {
		this.errors = {};
		this.message = null;
		const tag = this.tag.trim();
		const subdomain = this.subdomain.trim();
		if (appId === null) return this.invalid({ app: 'Choose the app to deploy.' });
		if (tag === '') return this.invalid({ tag: noTag });
		this.busy = true;
		try {
			const inst = await this.deps.deployApp(appId, subdomain ? { tag, subdomain } : { tag });
			this.tag = '';
			this.subdomain = '';
			return inst;
		} catch (err) {
			const described = describeError(err, this.fields);
			this.errors = described.fields;
			this.message = described.message === null ? null : deployErrorMessage(err);
			if (engineDown(err)) onengineerror?.();
			this.deps.focus(this.errors);
			return null;
		} finally {
			this.busy = false;
		}
	}

	private invalid(errors: FieldErrors): null {
		this.errors = errors;
		this.deps.focus(errors);
		return null;
	}
}
