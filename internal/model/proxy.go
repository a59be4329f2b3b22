package model

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// Proxy is a standalone proxy: any domain forwarded to any host and port.
type Proxy struct {
	ID            int64     `json:"id"`
	Domain        string    `json:"domain"`
	ForwardScheme string    `json:"forward_scheme"`
	ForwardHost   string    `json:"forward_host"`
	ForwardPort   int       `json:"forward_port"`
	ProxyRouteID  int64     `json:"proxy_route_id"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ForwardAddr is the target's host:port.
func (p Proxy) ForwardAddr() string {
	return net.JoinHostPort(p.ForwardHost, strconv.Itoa(p.ForwardPort))
}

// Normalize validates the user-set fields and canonicalises them.
func (p *Proxy) Normalize() error {
	d, err := dnsname.NormalizeName(p.Domain)
	if err != nil {
		return fieldErr("domain", "domain "+err.Error())
	}
	p.Domain = d
	p.ForwardScheme = strings.ToLower(p.ForwardScheme)
	if p.ForwardScheme != "http" && p.ForwardScheme != "https" {
		return fieldErr("forward_scheme", fmt.Sprintf("forward_scheme must be http or https, not %q", p.ForwardScheme))
	}
	if err := checkHost("forward_host", &p.ForwardHost); err != nil {
		return err
	}
	if p.ForwardPort < 1 || p.ForwardPort > 65535 {
		return fieldErr("forward_port", "forward_port must be between 1 and 65535")
	}
	return nil
}

// checkHost canonicalises a host name or an IP address given in field.
func checkHost(field string, host *string) error {
	h := strings.TrimSpace(*host)
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil && a.Zone() == "" {
		*host = a.String()
		return nil
	}
	if err := dnsname.CheckHostname(h); err != nil {
		return fieldErr(field, field+" must be a host name or an IP address: it "+err.Error())
	}
	*host = strings.ToLower(strings.TrimSuffix(h, "."))
	return nil
}
