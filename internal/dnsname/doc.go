// Package dnsname holds the rules of DNS names that Docker Watcher's data
// follows: normalising a user's domain (IDN to punycode, lower case, no
// trailing dot), checking labels and host names, and whether a name lies
// in a zone. It is a leaf: it imports nothing of Docker Watcher, so the
// model can use it without pulling in any DNS provider code.
package dnsname
