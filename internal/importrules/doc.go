// Package importrules holds DESIGN's import rules as a table and a pure
// checker of a dependency graph against them; its test runs the checker
// on the module's real graph (from `go list -deps`), so a change that
// breaks a rule fails `go test ./...`. Nothing in the binary imports it.
package importrules
