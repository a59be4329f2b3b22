// Package certs gets and renews the built-in proxy's TLS certificates over
// ACME, with certmagic:
//
//   - DNS managed: "*.domain" and "domain" through DNS-01, the challenge TXT
//     records written through Docker Watcher's own DNS provider (Challenges
//     tracks each one before it is created, so a crash never leaves one
//     untracked) and removed after validation;
//   - any other consumer name (wildcard DNS mode, or a proxy's domain
//     outside the base domain): a certificate of its own through HTTP-01,
//     obtained on demand at the first TLS handshake, only for names the
//     plan holds, so nobody can make Docker Watcher request certificates
//     for arbitrary names.
//
// Which certificates should exist is decided by Want, a pure function;
// Manager carries it out. Certificates live under the data folder.
package certs
