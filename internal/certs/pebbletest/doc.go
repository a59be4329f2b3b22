// Package pebbletest runs Debian's pebble (2.4.0+ds1), Let's Encrypt's
// ACME test CA, for tests of code that gets certificates over ACME.
//
// Start installs the pebble package with apt-get when pebble is not in
// PATH and the test runs as root (one install at a time, under the flock
// ${DW_DOCKERD_DIR:-/tmp/dw-dockerd}/apt.lock that scripts/with-docker.sh
// takes for its installs); otherwise the test fails, it never skips. It
// then starts one pebble process per call, on free 127.0.0.1 ports:
//
//   - the ACME server (DirectoryURL) and the management interface
//     (ManagementURL: the issuing root and intermediate, certificate
//     status), both over HTTPS with a certificate for 127.0.0.1, ::1 and
//     localhost that Start makes, signed by a throwaway CA it also makes
//     (ServerRoots, ServerRootPEM, ServerRootFile); pebble's own test
//     certificates are not used;
//   - a config file and pebble's log in the test's temporary folder; the
//     log is printed when the test fails.
//
// The process is stopped by its pid when the test ends (SIGTERM, then
// SIGKILL), and gets SIGKILL if the test binary dies first.
//
// Launch does the same without a test, for a program that runs pebble for
// tests in another language (internal/testtools/testenv, for the browser
// tests): its files go into a folder the caller gives, errors are returned
// (ending with pebble's log), and the caller stops pebble with Stop.
//
// The certificates pebble issues chain to a root it makes afresh at every
// start (IssuerRoots, from /roots/0 of the management interface), never
// the server root.
//
// # Pebble 2.4, from its source (tag v2.4.0)
//
// Config fields (JSON object "pebble", names matched case-insensitively):
// listenAddress, managementListenAddress, certificate, privateKey (used
// by both listeners), httpPort and tlsPort (the ports the VA connects to
// for HTTP-01 and TLS-ALPN-01, whatever the identifier), ocspResponderURL,
// externalAccountBindingRequired, externalAccountMACKeys, domainBlocklist
// and certificateValidityPeriod.
//
// Certificate validity: certificateValidityPeriod is the lifetime of
// issued certificates in seconds (NotAfter = NotBefore + period - 1 s);
// 0 means pebble's default, 157766400 s (5 years). An order's notBefore
// and notAfter (RFC 3339) are also honoured as given, unchecked — so a
// client can ask for short certificates itself (certmagic's
// ACMEIssuer.NotAfter). Options.CertificateValidity sets the config field.
// Roots and intermediates live 30 years; issued certificates are not
// backdated (NotBefore is the time of issuance).
//
// Environment (Start clears any PEBBLE_* it inherits):
//   - PEBBLE_VA_NOSLEEP=1: no random sleep (0 to 5 s, PEBBLE_VA_SLEEPTIME)
//     before each validation. Always set.
//   - PEBBLE_VA_ALWAYS_VALID=1: every challenge passes without any request
//     to the client. Options.AlwaysValid.
//   - PEBBLE_WFE_NONCEREJECT: percentage of good nonces rejected as
//     badNonce (default 5; above 100 means 99). Set to
//     Options.NonceRejectPercent, 0 unless asked.
//   - PEBBLE_AUTHZREUSE: percentage of the time a valid authorization of
//     the same account is reused in a new order (default 50). Set to
//     Options.AuthzReusePercent, 0 unless asked, so every order has to
//     solve its challenges.
//   - Not set here: PEBBLE_ALTERNATE_ROOTS (extra root chains),
//     PEBBLE_CHAIN_LENGTH (intermediates between leaf and root, 1),
//     PEBBLE_WFE_ORDERS_PER_PAGE (3).
//
// Validation: every validation runs three times at once and all must
// pass. With -dnsserver (Options.DNSServer) the VA asks that server over
// UDP for AAAA and then A and connects to the first address, so an AAAA
// answer wins over A (the rcode of those answers is not checked; that of
// a dns-01 TXT answer is). Without it the system resolver is used. HTTP-01 is a GET of
// http://NAME:httpPort/.well-known/acme-challenge/TOKEN that follows
// redirects; TLS-ALPN-01 dials NAME:tlsPort. Non-wildcard names get
// http-01, tls-alpn-01 and dns-01 challenges, wildcards dns-01 only, IP
// identifiers http-01 and tls-alpn-01.
//
// Pebble 2.4 has no ACME Renewal Information (renewalInfo is not in the
// directory), so certmagic renews by its RenewalWindowRatio. For a renewal
// test, start pebble with a short CertificateValidity (say 30 s; or set
// certmagic's ACMEIssuer.NotAfter, which pebble honours) and give
// certmagic a RenewCheckInterval well under a fifth of it (certmagic also
// renews whenever the time left is under five check intervals, so with
// its default interval of 10 minutes every short certificate is renewed
// at once).
//
// This package must only be imported by tests and by test-support programs.
package pebbletest
