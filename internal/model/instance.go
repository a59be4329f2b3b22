package model

import "time"

// Instance states.
const (
	StatusDeploying = "deploying"
	StatusRunning   = "running"
	StatusStopped   = "stopped"
	StatusFailed    = "failed"
)

// Instance is one deployed container of an app.
type Instance struct {
	ID           int64  `json:"id"`
	AppID        int64  `json:"app_id"`
	Tag          string `json:"tag"`
	Digest       string `json:"digest"`
	Subdomain    string `json:"subdomain"`
	ContainerID  string `json:"container_id"`
	HostPort     int    `json:"host_port"`
	Status       string `json:"status"`
	ProxyRouteID int64  `json:"proxy_route_id"` // 0: no route
	LastError    string `json:"last_error"`
	// ImageID is the image the container runs; PreviousDigest and
	// PreviousImageID the one it replaced, kept for a rollback.
	ImageID         string `json:"image_id"`
	PreviousDigest  string `json:"previous_digest"`
	PreviousImageID string `json:"-"`
	// FailedDigest is a digest the registry watcher does not deploy again:
	// the one whose deploy failed last, or the one a rollback turned away
	// from ("" after another successful deploy).
	FailedDigest string `json:"failed_digest"`
	// StatusChangedAt is when Status last changed; a stopped instance's
	// grace period counts from it.
	StatusChangedAt time.Time `json:"status_changed_at"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// FQDN is the instance's name under the base domain, or "" without one.
func (i Instance) FQDN(domain string) string {
	if domain == "" || i.Subdomain == "" {
		return ""
	}
	return i.Subdomain + "." + domain
}
