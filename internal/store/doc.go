// Package store keeps Docker Watcher's data in one SQLite file: embedded,
// numbered migrations, then one file per table. It validates nothing (the
// model package does) and maps SQLite's constraint errors to ErrConflict.
package store
