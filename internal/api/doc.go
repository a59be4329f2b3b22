// Package api is Docker Watcher's HTTP API: one route table, handlers that
// decode, call the store or a service, and encode; authentication; and the
// mapping of errors to JSON answers. Decisions belong to other packages.
package api
