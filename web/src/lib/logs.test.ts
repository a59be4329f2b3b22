import { describe, expect, it } from 'vitest';
import { LogBuffer, eventLines, highlight, lineCount, lineMatches, matcher, plainText, searchLines, tailLabel, type LogLine } from './logs';

const texts = (lines: readonly LogLine[]) => lines.map((l) => l.text);

describe('LogBuffer', () => {
	it('keeps the lines in order with increasing keys', () => {
		const b = new LogBuffer(10);
		b.append(['a', 'b']);
		b.note('gap');
		b.append(['c']);
		expect(texts(b.lines)).toEqual(['a', 'b', 'gap', 'c']);
		expect(b.lines.map((l) => !!l.note)).toEqual([false, false, true, false]);
		const seqs = b.lines.map((l) => l.seq);
		expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
		expect(new Set(seqs).size).toBe(4);
	});

	it('keeps the last `cap` lines and counts those dropped', () => {
		const b = new LogBuffer(3);
		b.append(['1', '2']);
		b.append(['3', '4']);
		expect(texts(b.lines)).toEqual(['2', '3', '4']);
		expect(b.trimmed).toBe(1);
		// A batch larger than the cap keeps its own last lines.
		b.append(['5', '6', '7', '8', '9']);
		expect(texts(b.lines)).toEqual(['7', '8', '9']);
		expect(b.trimmed).toBe(1 + 3 + 2);
	});

	it('never holds more than the cap, however many lines come', () => {
		const b = new LogBuffer(100);
		for (let i = 0; i < 50; i++) b.append(Array.from({ length: 37 }, (_, j) => `${i}.${j}`));
		expect(b.lines).toHaveLength(100);
		expect(b.trimmed).toBe(50 * 37 - 100);
		expect(b.lines.at(-1)?.text).toBe('49.36');
	});

	it('holds the lines that come while paused and shows them on resume', () => {
		const b = new LogBuffer(10);
		b.append(['before']);
		b.pause();
		expect(b.paused).toBe(true);
		b.append(['while 1', 'while 2']);
		b.note('a note while paused');
		expect(texts(b.lines)).toEqual(['before']);
		expect(b.held).toBe(3);
		b.resume();
		expect(b.paused).toBe(false);
		expect(b.held).toBe(0);
		expect(texts(b.lines)).toEqual(['before', 'while 1', 'while 2', 'a note while paused']);
		b.append(['after']);
		expect(b.lines.at(-1)?.text).toBe('after');
	});

	it('holds at most the cap while paused, counting the dropped ones, and trims on resume', () => {
		const b = new LogBuffer(3);
		b.append(['a', 'b']);
		b.pause();
		b.append(['1', '2', '3', '4', '5']);
		expect(b.held).toBe(3);
		expect(b.heldDropped).toBe(2);
		expect(texts(b.lines)).toEqual(['a', 'b']);
		b.resume();
		expect(texts(b.lines)).toEqual(['3', '4', '5']);
		expect(b.heldDropped).toBe(0);
		expect(b.trimmed).toBe(2);
	});

	it('clear forgets the lines and the counts but not the pause', () => {
		const b = new LogBuffer(2);
		b.append(['a', 'b', 'c']);
		b.pause();
		b.append(['d']);
		b.clear();
		expect(b.lines).toEqual([]);
		expect([b.held, b.trimmed, b.heldDropped, b.paused]).toEqual([0, 0, 0, true]);
	});
});

describe('plainText and eventLines', () => {
	it('drops colours, other escapes and control characters, keeps tabs and text', () => {
		expect(plainText('\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m')).toBe('red and green');
		expect(plainText('\x1b]0;title\x07after')).toBe('after');
		expect(plainText('bell\x07 tab\there\x00')).toBe('bell tab\there');
		expect(plainText('plain: ünïcödé ✓')).toBe('plain: ünïcödé ✓');
	});

	it('splits an event joined from several data lines', () => {
		expect(eventLines('one')).toEqual(['one']);
		expect(eventLines('')).toEqual(['']);
		expect(eventLines('10%\n50%\n\x1b[32m100%\x1b[0m')).toEqual(['10%', '50%', '100%']);
	});
});

describe('search', () => {
	it('matches case-insensitively, the query as typed (no pattern syntax)', () => {
		const re = matcher('GET /a.b');
		expect(re).not.toBeNull();
		const lines = ['get /a.b 200', 'GET /aXb 200', 'Get /A.B'];
		expect(lines.filter((l) => lineMatches(l, re))).toEqual(['get /a.b 200', 'Get /A.B']);
		// The global matcher's position does not leak from one line to the next.
		expect(lines.map((l) => lineMatches(l, re))).toEqual([true, false, true]);
		expect(lineMatches('anything', null)).toBe(true);
		expect(matcher('   ')).toBeNull();
		expect(matcher('(')).not.toBeNull();
	});

	it('highlights every match, case kept as written', () => {
		expect(highlight('Error: an error, ERROR!', matcher('error'))).toEqual([
			{ text: 'Error', match: true },
			{ text: ': an ', match: false },
			{ text: 'error', match: true },
			{ text: ', ', match: false },
			{ text: 'ERROR', match: true },
			{ text: '!', match: false }
		]);
		expect(highlight('no hit', matcher('zzz'))).toEqual([{ text: 'no hit', match: false }]);
		expect(highlight('any', null)).toEqual([{ text: 'any', match: false }]);
		// The same matcher twice gives the same pieces (no state left over).
		const re = matcher('a');
		expect(highlight('banana', re)).toEqual(highlight('banana', re));
	});

	it('filters to the matching lines and the notes, and counts the matches', () => {
		const b = new LogBuffer(10);
		b.append(['GET / 200', 'POST /login 401']);
		b.note('Connection lost.');
		b.append(['get /healthz', 'nothing']);
		const only = searchLines(b.lines, 'get', true);
		expect(texts(only.lines)).toEqual(['GET / 200', 'Connection lost.', 'get /healthz']);
		expect(only.matches).toBe(2);
		const all = searchLines(b.lines, 'get', false);
		expect(all.lines).toHaveLength(5);
		expect(all.matches).toBe(2);
		expect(searchLines(b.lines, '', true)).toEqual({ lines: b.lines, matches: 0 });
		// A note is never counted as a match.
		expect(searchLines(b.lines, 'connection', true).matches).toBe(0);
	});
});

describe('words', () => {
	it('names tails and counts lines', () => {
		expect(tailLabel('100')).toBe('Last 100 lines');
		expect(tailLabel('all')).toBe('Everything');
		expect([lineCount(0), lineCount(1), lineCount(2)]).toEqual(['0 lines', '1 line', '2 lines']);
	});
});
