// Package npm is the proxy.Router for Nginx Proxy Manager (v2.15.1): one
// NPM proxy host per active route, through NPM's REST API.
//
// Authentication: the router logs in with POST /api/tokens {identity,
// secret}, keeps the token and refreshes it (GET /api/tokens) before its
// "expires"; when a call answers NPM's expired-token error (400 "Token has
// expired" — NPM never answers 401) it logs in again and retries once; a
// read answered 500 "Internal Error", NPM's answer to a token it cannot
// verify, is retried likewise (writes are not: the 500 may be anything). An
// account with two-factor authentication is refused with a clear error:
// the router cannot answer a TOTP challenge.
//
// Apply lists NPM's proxy hosts once, then creates the missing ones,
// updates the drifted ones (comparing only the fields it sets: domain
// names, forward scheme, host and port, websocket upgrade, exploit
// blocking, HTTP/2, certificate and forced SSL) and deletes its own that
// are no longer wanted (routes that are gone or not active). Request
// bodies carry only fields of NPM's v2.15.1 schema, which refuses any
// other (additionalProperties false).
//
// Ownership is the rule of the DNS layer: only proxy hosts the router
// created, tracked by NPM id, are ever updated or deleted. A route whose
// domain another host holds (one made by hand, or listed but not ours, or
// refused by NPM as "is already in use") is reported as a
// *proxy.ConflictError and skipped; the other routes are still applied.
// The tracking (route host → NPM id) lives in memory for now, seeded with
// Options.Owned and read back with Router.Owned; persisting it in the
// store (the consumer's proxy_route_id) comes later, and until then a
// restart without a seed forgets which hosts are ours, so they are
// reported as conflicts rather than touched.
//
// A host NPM saved but whose `nginx -t` failed (meta.nginx_online false)
// is reported as an error naming the host and NPM's meta.nginx_err.
package npm
