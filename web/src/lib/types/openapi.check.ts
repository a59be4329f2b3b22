/**
 * The hand-written API types agree with the OpenAPI document
 * (internal/api/openapi.json), through the types openapi-typescript makes
 * of it (openapi.gen.ts, `npm run gen:api`). svelte-check compiles this
 * file: a disagreement is a type error here, naming the type and the
 * fields. openapi.test.ts checks that openapi.gen.ts is the document's, and
 * that these checks fail on a changed document.
 *
 * - An answer: whatever the document lets the server answer is a value of
 *   the UI's type, and both have the same fields.
 * - A request body: whatever the UI sends is a body the document accepts,
 *   and both have the same fields.
 */
import type { components } from './openapi.gen';
import type { App, AppInput } from './app';
import type { LoginRequest, PasswordChange, User, UserResponse } from './auth';
import type { Certificate, CertificateBadge, CertificateList, RenewStarted } from './certificate';
import type {
	DnsCleanup,
	DnsDeleteResult,
	DnsRecord,
	DnsRecordList,
	DnsSyncLine,
	DnsSyncReport,
	DnsTestCheck,
	DnsTestRequest,
	DnsTestResult,
	DnsZone
} from './dns';
import type { Health } from './health';
import type { DeployInput, DeployProgress, Instance } from './instance';
import type { Proxy, ProxyInput, RouteCheck, RouteStatus } from './proxy';
import type { NpmTestRequest, NpmTestResult, Settings, SettingsUpdate } from './settings';
import type { ApiToken, CreatedApiToken, TokenRequest } from './token';

type Schemas = components['schemas'];

/** true, or what differs in the field names. */
type SameFields<Ui, Doc> = [Exclude<keyof Ui, keyof Doc>, Exclude<keyof Doc, keyof Ui>] extends [never, never]
	? true
	: { onlyInTheUiType: Exclude<keyof Ui, keyof Doc>; onlyInTheDocument: Exclude<keyof Doc, keyof Ui> };

/** The document's answer Doc can be read as the UI's type Ui, which has the same fields. */
export type Answer<Ui, Doc> =
	SameFields<Ui, Doc> extends true
		? [Doc] extends [Ui]
			? true
			: { theDocumentsAnswerIsNotAValueOf: Ui; itIs: Doc }
		: SameFields<Ui, Doc>;

/** The UI's body Ui, which has the same fields, is one the document accepts. */
export type Body<Ui, Doc> =
	SameFields<Ui, Doc> extends true
		? [Ui] extends [Doc]
			? true
			: { theUisBodyIsNotOneTheDocumentAccepts: Ui; itWants: Doc }
		: SameFields<Ui, Doc>;

type Agree<T extends true> = T;

export type Checks = [
	Agree<Answer<Health, Schemas['Health']>>,
	Agree<Answer<User, Schemas['User']>>,
	Agree<Answer<UserResponse, Schemas['UserResponse']>>,
	Agree<Body<LoginRequest, Schemas['LoginRequest']>>,
	Agree<Body<PasswordChange, Schemas['PasswordChange']>>,

	Agree<Answer<ApiToken, Schemas['ApiToken']>>,
	Agree<Answer<CreatedApiToken, Schemas['CreatedApiToken']>>,
	Agree<Body<TokenRequest, Schemas['TokenRequest']>>,

	Agree<Answer<Settings, Schemas['Settings']>>,
	Agree<Body<SettingsUpdate, Schemas['SettingsPatch']>>,

	Agree<Body<DnsTestRequest, Schemas['DnsTestRequest']>>,
	Agree<Answer<DnsTestCheck, Schemas['DnsTestCheck']>>,
	Agree<Answer<DnsTestResult, Schemas['DnsTestResult']>>,
	Agree<Answer<DnsZone, Schemas['DnsZone']>>,
	Agree<Answer<DnsSyncLine, Schemas['DnsSyncLine']>>,
	Agree<Answer<DnsSyncReport, Schemas['DnsSyncReport']>>,
	Agree<Answer<DnsRecord, Schemas['DnsRecord']>>,
	Agree<Answer<DnsCleanup, Schemas['DnsCleanup']>>,
	Agree<Answer<DnsRecordList, Schemas['DnsRecordList']>>,
	Agree<Answer<DnsDeleteResult, Schemas['DnsDeleteResult']>>,

	Agree<Answer<RouteStatus, Schemas['RouteStatus']>>,
	Agree<Answer<CertificateBadge, Schemas['CertificateBadge']>>,
	Agree<Body<ProxyInput, Schemas['ProxyInput']>>,
	Agree<Answer<Proxy, Schemas['Proxy']>>,
	Agree<Answer<RouteCheck, Schemas['RouteCheck']>>,
	Agree<Body<NpmTestRequest, Schemas['NpmTestRequest']>>,
	Agree<Answer<NpmTestResult, Schemas['NpmTestResult']>>,

	Agree<Answer<Certificate, Schemas['Certificate']>>,
	Agree<Answer<CertificateList, Schemas['CertificateList']>>,
	Agree<Answer<RenewStarted, Schemas['RenewStarted']>>,

	Agree<Body<AppInput, Schemas['AppInput']>>,
	Agree<Answer<App, Schemas['App']>>,
	Agree<Body<DeployInput, Schemas['DeployInput']>>,
	Agree<Answer<DeployProgress, Schemas['DeployProgress']>>,
	Agree<Answer<Instance, Schemas['Instance']>>
];
