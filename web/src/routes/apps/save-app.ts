/** Saving the app form (create and edit): the form's own checks, then the API's answer sorted for the form. */
import { tick } from 'svelte';
import { errorInputId, formFieldNames, formProblems, formToInput, type AppFormValues } from '$lib/apps-form';
import { describeError, type FieldErrors } from '$lib/errors';
import type { App, AppInput } from '$lib/types/app';

export interface SaveResult {
	app: App | null;
	errors: FieldErrors;
	message: string | null;
}

/**
 * Check the rows, send the form with `save`, and sort a failure: the API's
 * field errors for the form (rows included), anything else as a form-wide
 * message after `context`. The focus goes to the first input at fault.
 */
export async function saveApp(values: AppFormValues, save: (input: AppInput) => Promise<App>, context: string, idPrefix: string): Promise<SaveResult> {
	const problems = formProblems(values);
	if (Object.keys(problems).length > 0) {
		await focusError(problems, idPrefix, values);
		return { app: null, errors: problems, message: null };
	}
	try {
		return { app: await save(formToInput(values)), errors: {}, message: null };
	} catch (err) {
		const { fields, message } = describeError(err, formFieldNames(values), context);
		await focusError(fields, idPrefix, values);
		return { app: null, errors: fields, message };
	}
}

async function focusError(errors: FieldErrors, idPrefix: string, values: AppFormValues) {
	const id = errorInputId(errors, idPrefix, values);
	if (!id) return;
	await tick();
	document.getElementById(id)?.focus();
}
