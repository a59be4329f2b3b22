// Package model holds Docker Watcher's data types and the rules that make a
// value valid. Validation normalises in place and reports the first bad
// field as a *FieldError; nothing here does I/O.
package model
