// Package npmemu is a stateful, in-memory emulator of the parts of Nginx
// Proxy Manager's REST API (v2.15.1, backend/schema and backend/internal
// of NginxProxyManager/nginx-proxy-manager) that Docker Watcher's proxy
// router uses: tokens (login, 2FA challenge, refresh) and proxy hosts
// (list, create, read, update, soft delete), behind NPM's error JSON
// {"error":{"code":...,"message":...}}.
//
// It follows what NPM's source does, not what a client expects, down to
// its quirks, each explained next to the code that makes it: NPM never
// answers 401 (an expired token is 400 "Token has expired", one that does
// not verify 500 "Internal Error"), a refused permission falls through to
// the API's catch-all 404 (errors.go, errDenied), a failed `nginx -t`
// still answers success with meta.nginx_online false, and a create answers
// with the meta as sent, before nginx was configured.
//
// Covered: POST/GET /api/tokens, POST /api/tokens/2fa, GET /api (health),
// GET/POST /api/nginx/proxy-hosts and GET/PUT/DELETE
// /api/nginx/proxy-hosts/{id} with the request schemas (additional
// properties refused, required fields, types with ajv's coercion, ranges,
// patterns; ajv's error wording), domains unique across all users' live
// hosts, owner visibility ("user" or "all") and the view/manage
// permission, ?expand=owner,certificate,access_list and ?query=.
//
// Left out: certificates (certificate_id "new" is refused, and an id is
// stored without a certificate behind it: "certificate" expands to null),
// access lists (likewise), redirection and dead hosts and streams (so their
// domains never count as taken), enable/disable endpoints, users, settings,
// audit log, reports, ?scope on token refresh, real JWT signatures and
// TOTP (one fixed 2FA code per user), and nginx itself: its test is a
// fault a test injects.
//
// Tests drive it through its http.Handler (httptest.NewServer(srv)) or
// Listen, seed it with AddUser, AddHost and IssueToken, and inspect it
// with Hosts, Calls and TotalCalls. Faults are injected with FailNext,
// FailNextOn, DropNext, DropNextOn, SetLatency and FailNginxTest.
//
// The fault and call-count machinery follows cfemu's (the Cloudflare
// emulator) on purpose; if a third emulator needs it, it belongs in a
// shared package both use.
//
// It is a test and demo tool only: it keeps everything in memory, stores
// passwords in clear, and must never be wired into the production binary.
package npmemu
