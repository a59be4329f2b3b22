// The hand-written API types are held to the OpenAPI document
// (internal/api/openapi.json): openapi.gen.ts must be what
// openapi-typescript makes of the document (`npm run gen:api`), and the
// type checks of openapi.check.ts, which svelte-check runs too, must pass
// on it and fail on a document that changed.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const types = dirname(fileURLToPath(import.meta.url));
const web = resolve(types, '../../..');
const documentPath = resolve(web, '../internal/api/openapi.json');
const generatedPath = join(types, 'openapi.gen.ts');
const checkPath = join(types, 'openapi.check.ts');
/** What openapi-typescript makes of a document, as its command line (`npm run gen:api`) writes it. */
async function generate(document: URL | object): Promise<string> {
	return COMMENT_HEADER + astToString(await openapiTS(document as URL, { silent: true }));
}

type Schema = { properties: Record<string, unknown>; required?: string[] };
type Document = { components: { schemas: Record<string, Schema> } };

/** The document changed by change, made into types. */
function generateChanged(change: (doc: Document) => void): Promise<string> {
	const doc = JSON.parse(readFileSync(documentPath, 'utf8')) as Document;
	change(doc);
	return generate(doc);
}

// Parsed once for every program: the standard library and the types.
const sourceFiles = new Map<string, ts.SourceFile | undefined>();

/** The type errors of openapi.check.ts when openapi.gen.ts holds generated. */
function typeErrors(generated: string): string[] {
	const options: ts.CompilerOptions = {
		strict: true,
		noEmit: true,
		skipLibCheck: true,
		target: ts.ScriptTarget.ES2022,
		module: ts.ModuleKind.ESNext,
		moduleResolution: ts.ModuleResolutionKind.Bundler,
		types: []
	};
	const host = ts.createCompilerHost(options);
	const getSourceFile = host.getSourceFile;
	host.getSourceFile = (file, language, ...rest) => {
		if (resolve(file) === generatedPath) return ts.createSourceFile(file, generated, language);
		if (!sourceFiles.has(file)) sourceFiles.set(file, getSourceFile(file, language, ...rest));
		return sourceFiles.get(file);
	};
	const program = ts.createProgram([checkPath], options, host);
	return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const drop = (schema: string, field: string) => (doc: Document) => {
	const s = doc.components.schemas[schema];
	delete s.properties[field];
	s.required = s.required?.filter((f) => f !== field);
};

describe('the API types and the OpenAPI document', () => {
	it('openapi.gen.ts is made from the document (else: npm run gen:api)', async () => {
		expect(readFileSync(generatedPath, 'utf8')).toBe(await generate(pathToFileURL(documentPath)));
	}, 60_000);

	it('the hand-written types agree with it', () => {
		expect(typeErrors(readFileSync(generatedPath, 'utf8'))).toEqual([]);
	}, 60_000);

	it.each([
		['a field removed from an answer', drop('Settings', 'hsts'), 'hsts'],
		['a field removed from a request body', drop('ProxyInput', 'forward_port'), 'forward_port'],
		['a nested answer losing a field', drop('RouteStatus', 'url'), 'url'],
		[
			'a field of an answer changing its type',
			(doc: Document) => {
				doc.components.schemas.Instance.properties.host_port = { type: 'string' };
			},
			'Instance'
		],
		[
			'a request field becoming required',
			(doc: Document) => {
				doc.components.schemas.SettingsPatch.required = ['domain'];
			},
			'SettingsUpdate'
		],
		[
			'an answer field becoming optional',
			(doc: Document) => {
				const s = doc.components.schemas.DnsRecord;
				s.required = s.required?.filter((f) => f !== 'owned');
			},
			'DnsRecord'
		]
	])('fail on %s', async (_, change, named) => {
		const errors = typeErrors(await generateChanged(change));
		expect(errors.length).toBeGreaterThan(0);
		expect(errors.join('\n')).toContain(named);
	}, 60_000);
});
