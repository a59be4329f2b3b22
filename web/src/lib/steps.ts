/** The steps of long work (a deploy, the removal of records, issuing certificates), as components/Steps.svelte shows them. */

export type StepState = 'done' | 'current' | 'todo' | 'skipped' | 'failed';

export interface StepView {
	/** A key, unique in its list. */
	step: string;
	label: string;
	state: StepState;
	/** The step in words while it runs, or why it failed: "2 of 3 removed"; "" for none. */
	detail: string;
	/** How far the step is (0 to 1), shown as a bar beside its detail; null or absent for none. */
	fraction?: number | null;
}

/** What a screen reader hears after a step's label, by its state. */
export const STEP_WORDS: Record<StepState, string> = {
	done: 'done',
	current: 'under way',
	todo: 'to do',
	skipped: 'skipped',
	failed: 'failed'
};
