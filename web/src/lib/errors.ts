/**
 * The one error handler of the UI: a field error from the API goes next to
 * its input, everything else is shown as a toast with the API's message.
 */
import { tick } from 'svelte';
import { ApiError } from './api/client';
import { formatDuration, sentence } from './format';
import { toasts } from './toast.svelte';

/** Messages by input field name (the API's `field`). */
export type FieldErrors = Record<string, string>;

/** The user-facing message of any thrown value. */
export function errorMessage(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.status === 429) return err.message || 'Too many attempts. Try again later.';
		return err.message;
	}
	if (err instanceof Error && err.message) return `Unexpected error: ${err.message}`;
	return 'Unexpected error.';
}

/**
 * The field errors for a form whose inputs are `fields`: the API's message
 * under the field it names, when that field is one of the form's.
 */
export function fieldErrorsFrom(err: unknown, fields: readonly string[]): FieldErrors {
	if (err instanceof ApiError && err.field && fields.includes(err.field)) {
		return { [err.field]: err.message };
	}
	return {};
}

export interface DescribedError {
	/** Messages to show next to the form's inputs. */
	fields: FieldErrors;
	/** The message to show for the form as a whole, if any. */
	message: string | null;
}

/**
 * The errors without those of `fields` (the user changed them): the same
 * object when it has none of them, so that nothing is redrawn.
 */
export function withoutErrors(errors: FieldErrors, ...fields: string[]): FieldErrors {
	if (!fields.some((f) => f in errors)) return errors;
	const next = { ...errors };
	for (const f of fields) delete next[f];
	return next;
}

/**
 * Sort an error for a form whose inputs are `fields`. A 401 or an aborted
 * request gives nothing to show: the user is being sent to the login page,
 * or left the page.
 */
export function describeError(err: unknown, fields: readonly string[] = [], context?: string): DescribedError {
	if (err instanceof DOMException && err.name === 'AbortError') return { fields: {}, message: null };
	if (err instanceof ApiError && err.status === 401) return { fields: {}, message: null };
	const fieldErrors = fieldErrorsFrom(err, fields);
	if (Object.keys(fieldErrors).length > 0) return { fields: fieldErrors, message: null };
	if (!(err instanceof ApiError)) console.error(err);
	const message = errorMessage(err);
	return { fields: {}, message: context ? `${context}: ${message}` : message };
}

/**
 * Show an error: returns the field errors for the form's `fields` and shows
 * anything else as a toast. (Forms inside a modal dialog show
 * describeError's message in the dialog instead, since a toast would be
 * behind it.)
 */
export function handleError(err: unknown, fields: readonly string[] = [], context?: string): FieldErrors {
	const { fields: fieldErrors, message } = describeError(err, fields, context);
	if (message) toasts.error(message);
	return fieldErrors;
}

/**
 * The message of a failed login: the API's own; for a 429 ("too many
 * attempts") also how long to wait, from Retry-After, unless it says so.
 */
export function loginErrorMessage(err: unknown): string {
	const message = errorMessage(err);
	if (err instanceof ApiError && err.status === 429 && err.retryAfter && !/try again/i.test(message)) {
		return `${sentence(message)} Try again in ${formatDuration(err.retryAfter)}.`;
	}
	return message;
}

/**
 * After a form's errors were set: move the focus to the input of the first
 * field at fault, whose id is `prefix + field`.
 */
export async function focusFieldError(errors: FieldErrors, prefix: string): Promise<void> {
	const field = Object.keys(errors)[0];
	if (!field) return;
	await tick();
	document.getElementById(prefix + field)?.focus();
}
