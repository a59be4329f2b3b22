// Package cloudflare is the Cloudflare DNS provider, on the official SDK
// (cloudflare-go/v6). Every request goes through one middleware that keeps
// to Cloudflare's rate limit, retries transient failures a bounded number of
// times within a deadline, honours Retry-After, counts calls, and refuses a
// "200 with success:false" answer. A record is changed or deleted only when
// it carries this installation's marker in its comment.
package cloudflare
