// Package dns holds what every DNS provider shares: the record type, the
// provider interface and its optional capabilities, name helpers and error
// classification. Providers live in sub-packages; this package talks to none.
package dns
