// What the accessibility suite (a11y.test.mjs) runs in the page: axe-core
// (the npm package, injected through playwright's evaluate, which the
// page's Content-Security-Policy does not govern), the WCAG contrast of two
// colours, and what the focused element shows.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2 A and AA rules and axe's best practices, as axe tags them. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * Rules the suite must have run on every page (applicable or not): a
 * version of axe without one of them would pass without checking it. The
 * duplicate-id rules are deprecated in axe (WCAG 2.2 dropped 4.1.1), so
 * they are turned on by name.
 */
export const REQUIRED_RULES = [
	'color-contrast',
	'label',
	'select-name',
	'button-name',
	'link-name',
	'aria-allowed-attr',
	'aria-required-attr',
	'aria-valid-attr',
	'aria-valid-attr-value',
	'aria-roles',
	'aria-hidden-focus',
	'aria-input-field-name',
	'aria-progressbar-name',
	'aria-dialog-name',
	'duplicate-id',
	'duplicate-id-active',
	'duplicate-id-aria'
];

/**
 * Rules whose "needs review" results fail too: axe is not sure only
 * because the element has text of its own, and the attribute is ignored
 * all the same (an aria-label on a paragraph).
 */
export const STRICT_RULES = ['aria-prohibited-attr'];

/**
 * @typedef {{rule: string, impact: string, help: string, target: string, message: string}} Violation
 */

/**
 * Run axe on the page as it is now; its violations, one per element.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{violations: Violation[], ran: string[]}>}
 */
export async function runAxe(page) {
	if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
	return page.evaluate(
		async ({ tags, extra, strict }) => {
			const axe = /** @type {any} */ (window).axe;
			const r = await axe.run(document, {
				runOnly: { type: 'tag', values: tags },
				rules: Object.fromEntries(extra.map((id) => [id, { enabled: true }])),
				resultTypes: ['violations', 'incomplete']
			});
			const ran = [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map((x) => x.id);
			const failing = [...r.violations, ...r.incomplete.filter((/** @type {any} */ v) => strict.includes(v.id))];
			const violations = failing.flatMap((/** @type {any} */ v) =>
				v.nodes.map((/** @type {any} */ n) => ({
					rule: v.id,
					impact: v.impact ?? '',
					help: v.help,
					target: n.target.join(' '),
					message: (n.failureSummary ?? n.any?.[0]?.message ?? n.all?.[0]?.message ?? v.help).replace(/\s+/g, ' ').trim()
				}))
			);
			return { violations, ran };
		},
		{ tags: AXE_TAGS, extra: ['duplicate-id', 'duplicate-id-active', 'duplicate-id-aria'], strict: STRICT_RULES }
	);
}

/** Violations as lines: "where: rule (impact) target — message". */
export function formatViolations(/** @type {(Violation & {where: string})[]} */ list) {
	return list.map((v) => `${v.where}: ${v.rule} (${v.impact}) ${v.target} — ${v.message}`).join('\n');
}

/**
 * The colour arithmetic of WCAG 2, defined in the page as
 * window.__a11yColours: parse a computed colour, its relative luminance,
 * the contrast of two colours, and the opaque background behind an element.
 */
function colourKit() {
	/** [r, g, b, a] of a computed colour (rgb() or color(srgb …)). */
	const parse = (/** @type {string} */ css) => {
		const n = (css.match(/-?[\d.]+(e-?\d+)?/g) ?? []).map(Number);
		if (css.startsWith('color(')) return [n[0] * 255, n[1] * 255, n[2] * 255, n.length > 3 ? n[3] : 1];
		return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, n.length > 3 ? n[3] : 1];
	};
	const lum = (/** @type {number[]} */ [r, g, b]) => {
		const f = (/** @type {number} */ v) => {
			const c = v / 255;
			return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		};
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const contrast = (/** @type {number[]} */ a, /** @type {number[]} */ b) => {
		const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
		return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
	};
	/** The opaque background behind el: its own or its nearest ancestor's, else the canvas. */
	const backgroundOf = (/** @type {Element | null} */ el) => {
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c[3] >= 0.99) return c;
		}
		return parse(getComputedStyle(document.documentElement).backgroundColor);
	};
	/** @type {any} */ (window).__a11yColours = { parse, lum, contrast, backgroundOf };
}

/** @param {import('playwright-core').Page} page */
async function installColourKit(page) {
	if (!(await page.evaluate(() => '__a11yColours' in window))) await page.evaluate(`(${colourKit})()`);
}

/**
 * What the page shows of its colours and of the focused element: the
 * body's background and text, and for the active element its focus
 * indicator (outline or box-shadow, its own or its container's) and the
 * contrast of that indicator with the background behind it.
 * @param {import('playwright-core').Page} page
 */
export async function pageColours(page) {
	await installColourKit(page);
	return page.evaluate(() => {
		const { parse, lum, contrast, backgroundOf } = /** @type {any} */ (window).__a11yColours;
		const body = getComputedStyle(document.body);
		const bodyBg = backgroundOf(document.body);
		const text = parse(body.color);
		const el = document.activeElement;
		let focus = null;
		if (el && el !== document.body) {
			const indicator = (/** @type {Element} */ e) => {
				const s = getComputedStyle(e);
				return { e, s, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1, shadow: s.boxShadow !== 'none' };
			};
			// The element's own ring, or (a radio in a card) the one its
			// container draws while it has the focus.
			let ring = indicator(el);
			for (let up = el.parentElement, i = 0; up && i < 3 && !ring.outline && !ring.shadow; up = up.parentElement, i++) {
				const r = indicator(up);
				if (r.outline || r.shadow) ring = r;
			}
			const { e, s, outline, shadow } = ring;
			const colour = parse(outline ? s.outlineColor : (s.boxShadow.match(/(rgba?|color)\([^)]*\)/)?.[0] ?? 'rgba(0,0,0,0)'));
			// An outline drawn outside the element is seen against what is behind it.
			const behind = outline && parseFloat(s.outlineOffset) >= 0 ? backgroundOf(e.parentElement) : backgroundOf(e);
			const box = e.getBoundingClientRect();
			const seen = (/** @type {any} */ (window).__a11yFocusSeen ??= new Set());
			focus = {
				tag: el.tagName.toLowerCase(),
				name: (el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60),
				outline,
				shadow,
				ringContrast: contrast(colour, behind),
				onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
				/** Focused before since the page loaded: the tab order went round. */
				again: seen.has(el)
			};
			seen.add(el);
		}
		return { bodyBackground: bodyBg, bodyLuminance: lum(bodyBg), textLuminance: lum(text), textContrast: contrast(text, bodyBg), focus };
	});
}

/**
 * The text inputs, selects and text areas on screen whose border has less
 * than 3:1 contrast with the background around them (WCAG 1.4.11: the
 * boundary of a control must be seen), as violations.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<Violation[]>}
 */
export async function weakControlBorders(page) {
	await installColourKit(page);
	return page.evaluate(() => {
		const { parse, contrast, backgroundOf } = /** @type {any} */ (window).__a11yColours;
		const out = [];
		for (const el of document.querySelectorAll('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea')) {
			const box = el.getBoundingClientRect();
			if (box.width < 2 || box.height < 2 || getComputedStyle(el).visibility === 'hidden') continue;
			const s = getComputedStyle(el);
			const ratio = contrast(parse(s.borderTopColor), backgroundOf(el.parentElement));
			if (parseFloat(s.borderTopWidth) < 1 || ratio < 3) {
				const id = el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}[name="${el.getAttribute('name') ?? ''}"]`;
				out.push({
					rule: 'non-text-contrast',
					impact: 'serious',
					help: 'The border of a form control has 3:1 contrast with what is around it',
					target: id,
					message: `border ${s.borderTopColor} ${s.borderTopWidth} on ${JSON.stringify(backgroundOf(el.parentElement))}: ${ratio}:1`
				});
			}
		}
		return out;
	});
}
