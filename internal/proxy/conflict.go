package proxy

import (
	"errors"
	"fmt"
)

// ConflictError is a route a router left unserved because its host is
// already held by an entry the router did not create (a proxy host made by
// hand in Nginx Proxy Manager, say). Such an entry is never changed nor
// deleted; Apply reports the conflict and serves the other routes.
type ConflictError struct {
	Host   string // the route's host
	Detail string // what the backend said, if anything
}

func (e *ConflictError) Error() string {
	msg := fmt.Sprintf("proxy: %s is already served by an entry Docker Watcher did not create; it is left alone and the route is not served", e.Host)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// RouteError is a problem of one route; Apply joins them, and the syncer
// shows each on its consumer.
type RouteError struct {
	Host string
	Err  error
}

func (e *RouteError) Error() string { return e.Err.Error() }
func (e *RouteError) Unwrap() error { return e.Err }

// HostErrors splits an error of Apply into the problems of single routes,
// by host, and the rest (the router could not be reached, say).
func HostErrors(err error) (byHost map[string]error, rest []error) {
	byHost = map[string]error{}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var re *RouteError
		var ce *ConflictError
		switch {
		case errors.As(err, &re):
			byHost[re.Host] = err
		case errors.As(err, &ce):
			byHost[ce.Host] = err
		default:
			rest = append(rest, err)
		}
	}
	if err != nil {
		walk(err)
	}
	return byHost, rest
}
