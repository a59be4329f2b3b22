/** What the field components share. */
import type { Snippet } from 'svelte';

/** The ids for aria-describedby, leaving out the false ones; undefined when none is left. */
export function describedBy(...ids: (string | false | null | undefined)[]): string | undefined {
	return ids.filter(Boolean).join(' ') || undefined;
}

/** The ids of the hint and the error a field shows (`{id}-hint`, `{id}-error`). */
export function fieldDescription(id: string, hint: unknown, error: string | undefined): string | undefined {
	return describedBy(!!hint && `${id}-hint`, !!error && `${id}-error`);
}

/** The props every field component takes besides its input's own attributes. */
export interface FieldProps {
	/** The input's id; the hint and the error get `{id}-hint` and `{id}-error`. */
	id: string;
	label: string;
	/** The API's message for this field. */
	error?: string;
	/** Below the input; a snippet when it has markup. */
	hint?: string | Snippet;
	/** More classes of the field's box, e.g. "narrow". */
	fieldClass?: string;
}
