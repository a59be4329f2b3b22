package proxy

import "fmt"

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
