// Package cfemu is a stateful, in-memory emulator of the parts of the
// Cloudflare API v4 that Docker Watcher uses: zones, DNS records (list with
// filters, create, read, overwrite, patch, delete, batch) and token
// verification, behind Cloudflare's response envelope, error codes,
// pagination and global rate limit.
//
// It follows Cloudflare's documented and observed behaviour, not what any
// client expects: the choices, and where each one comes from, are written
// next to the code that makes them (errors.go holds the error catalogue).
//
// Tests drive it through its http.Handler (httptest.NewServer(srv)) or
// Listen, seed it with AddZone, AddToken and AddRecord, and inspect it with
// Records, Calls and TotalCalls. Faults (failed, slow or dropped requests)
// are injected with FailNext, FailNextOn, SetLatency and DropNext.
//
// ListenDNS serves the zones over DNS (UDP and TCP) as their authoritative
// server, live from the same store, so that an ACME CA can validate a
// DNS-01 TXT record written through the API (dnsserver.go, dnsanswer.go).
//
// It is a test and demo tool only: it keeps everything in memory, trusts
// its caller, and must never be wired into the production binary.
package cfemu
