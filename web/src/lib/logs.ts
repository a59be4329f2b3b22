/**
 * Pure logic of a container's live logs: a bounded buffer of lines that
 * can be paused (new lines are held, not shown, and shown on resume), the
 * lines of a Server-Sent Event, and case-insensitive search.
 */

/** One line of the view: a line of the container's output, or a note of ours (a gap, an end). */
export interface LogLine {
	/** Increasing over the life of the buffer: a stable key. */
	seq: number;
	text: string;
	/** A note of the viewer ("following again"), not the container's output. */
	note?: boolean;
}

/** How many lines a buffer keeps by default: a chatty container cannot exhaust the browser. */
export const LOG_CAP = 5000;

/**
 * The lines shown, at most `cap` (the oldest go first), and while paused
 * the lines that came meanwhile, held (at most `cap` too: beyond, the
 * oldest held ones are dropped and counted), so that resuming catches up.
 */
export class LogBuffer {
	readonly cap: number;
	#lines: LogLine[] = [];
	#held: LogLine[] = [];
	#seq = 0;
	#paused = false;
	/** Lines dropped from the top of the view since the last clear (the cap). */
	trimmed = 0;
	/** Lines that came while paused and were dropped before the resume (the cap). */
	heldDropped = 0;

	constructor(cap = LOG_CAP) {
		this.cap = Math.max(1, Math.floor(cap));
	}

	/** The lines shown, oldest first. */
	get lines(): readonly LogLine[] {
		return this.#lines;
	}

	/** How many lines wait for the resume. */
	get held(): number {
		return this.#held.length;
	}

	get paused(): boolean {
		return this.#paused;
	}

	/** Add lines of the container's output (held while paused). */
	append(texts: readonly string[]): void {
		this.#add(texts.map((text) => ({ seq: ++this.#seq, text })));
	}

	/** Add a note of ours, in order with the lines (held while paused too). */
	note(text: string): void {
		this.#add([{ seq: ++this.#seq, text, note: true }]);
	}

	/** Stop showing new lines; they are held until resume. */
	pause(): void {
		this.#paused = true;
	}

	/** Show the held lines and the new ones again. */
	resume(): void {
		this.#paused = false;
		const held = this.#held;
		this.#held = [];
		this.heldDropped = 0;
		this.#push(this.#lines, held, 'trimmed');
	}

	/** Forget every line (a new tail was asked for); pause stays as it is. */
	clear(): void {
		this.#lines = [];
		this.#held = [];
		this.trimmed = 0;
		this.heldDropped = 0;
	}

	#add(lines: LogLine[]): void {
		if (this.#paused) this.#push(this.#held, lines, 'heldDropped');
		else this.#push(this.#lines, lines, 'trimmed');
	}

	/** Append to `into`, keeping its last `cap` lines and counting those dropped in `counter`. */
	#push(into: LogLine[], lines: LogLine[], counter: 'trimmed' | 'heldDropped'): void {
		const room = this.cap;
		if (lines.length >= room) {
			this[counter] += into.length + lines.length - room;
			into.length = 0;
			into.push(...lines.slice(lines.length - room));
			return;
		}
		into.push(...lines);
		const over = into.length - room;
		if (over > 0) {
			into.splice(0, over);
			this[counter] += over;
		}
	}
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links),
// then other escapes and control characters but the tab.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** A line without terminal escapes (colours) and control characters; tabs stay. */
export function plainText(line: string): string {
	return line.replace(ANSI, '');
}

/**
 * The lines of one event of the logs stream: the server sends one event
 * per line, and a line with carriage returns (a progress bar) as several
 * data lines, which EventSource joins with newlines.
 */
export function eventLines(data: string): string[] {
	return data.split('\n').map(plainText);
}

/** A case-insensitive matcher of `query` as typed (no pattern syntax); null for an empty query. */
export function matcher(query: string): RegExp | null {
	const q = query.trim();
	if (!q) return null;
	return new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
}

/** Whether a line matches (every line does for an empty query). */
export function lineMatches(text: string, re: RegExp | null): boolean {
	if (!re) return true;
	re.lastIndex = 0;
	return re.test(text);
}

/** A piece of a line: matched by the search or not. */
export interface Segment {
	text: string;
	match: boolean;
}

/** A line in pieces, the matches of the search marked; one piece without a search. */
export function highlight(text: string, re: RegExp | null): Segment[] {
	if (!re) return [{ text, match: false }];
	const out: Segment[] = [];
	let at = 0;
	for (const m of text.matchAll(re)) {
		const start = m.index ?? 0;
		if (start > at) out.push({ text: text.slice(at, start), match: false });
		out.push({ text: m[0], match: true });
		at = start + m[0].length;
	}
	if (at < text.length || out.length === 0) out.push({ text: text.slice(at), match: false });
	return out;
}

export interface SearchResult {
	/** The lines to show: all of them, or only the matching ones. */
	lines: readonly LogLine[];
	/** How many lines of the container's output match (notes are not counted); 0 without a search. */
	matches: number;
}

/**
 * The lines to show for a search: with `onlyMatching`, the matching lines
 * and the notes (which say where a gap is); else every line.
 */
export function searchLines(lines: readonly LogLine[], query: string, onlyMatching: boolean): SearchResult {
	const re = matcher(query);
	if (!re) return { lines, matches: 0 };
	let matches = 0;
	const shown: LogLine[] = [];
	for (const line of lines) {
		const hit = !line.note && lineMatches(line.text, re);
		if (hit) matches++;
		if (!onlyMatching || hit || line.note) shown.push(line);
	}
	return { lines: onlyMatching ? shown : lines, matches };
}

/** The tail sizes offered; "all" is every line the container wrote (the buffer keeps the last LOG_CAP). */
export const TAIL_CHOICES = ['100', '500', '1000', '5000', 'all'] as const;

export type TailChoice = (typeof TAIL_CHOICES)[number];

/** A tail choice for people: "Last 100 lines", "Everything". */
export function tailLabel(tail: TailChoice): string {
	return tail === 'all' ? 'Everything' : `Last ${tail} lines`;
}

/** "1 line", "12 lines". */
export function lineCount(n: number): string {
	return `${n} ${n === 1 ? 'line' : 'lines'}`;
}
