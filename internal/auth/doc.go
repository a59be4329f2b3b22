// Package auth checks who is calling: passwords (bcrypt), browser sessions,
// API tokens, and the slow-down of repeated failed logins. Cookie values and
// tokens are random and stored only as SHA-256 hashes.
package auth
