/** "now", "2 minutes ago", "yesterday": how long ago, in the user's locale. */

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
	['second', 60],
	['minute', 60],
	['hour', 24],
	['day', 7],
	['week', 4.35],
	['month', 12],
	['year', Infinity]
];

export const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/**
 * How long ago `at` (ms since the epoch, or an ISO time) was, from `now`:
 * under 10 seconds "now", then in the largest whole unit; a time a little
 * ahead (clocks differ) is "now" too; "—" for a missing one (also Go's
 * zero time, which the API sends for a time never set).
 */
export function formatRelative(at: number | string | null | undefined, now = Date.now(), format = relativeFormat): string {
	if (at === null || at === undefined || at === '' || (typeof at === 'string' && at.startsWith('0001-01-01'))) return '—';
	const then = typeof at === 'number' ? at : Date.parse(at);
	if (Number.isNaN(then)) return '—';
	let amount = (then - now) / 1000;
	if (Math.abs(amount) < 10 || (amount > 0 && amount < 60)) return format.format(0, 'second');
	// Half a unit rounds away from now, in the past as in the future.
	const round = (n: number) => Math.sign(n) * Math.round(Math.abs(n));
	for (const [unit, size] of UNITS) {
		if (Math.abs(round(amount)) < size) return format.format(round(amount), unit);
		amount /= size;
	}
	return format.format(round(amount), 'year');
}
