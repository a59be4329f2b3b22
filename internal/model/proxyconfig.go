package model

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
)

// Routers Docker Watcher can drive (settings.proxy_provider).
const (
	RouterBuiltin = "builtin" // the reverse proxy in this binary
	RouterNPM     = "npm"     // Nginx Proxy Manager, through its REST API
)

// maxTrustedProxies bounds the trusted_proxies list; each request checks it.
const maxTrustedProxies = 64

// ProxyConfig is what the routing layer reads of the settings.
type ProxyConfig struct {
	Router         string
	NPM            NPMConfig
	TrustedProxies []netip.Prefix
	AccessLog      bool
}

// NPMConfig reaches one Nginx Proxy Manager.
type NPMConfig struct {
	URL         string
	Email       string
	Password    string // secret: never returned, never logged
	ForwardHost string // where NPM reaches the ports instances publish; "" = the publish address
}

// String masks the password, so that fmt never prints it.
func (c NPMConfig) String() string {
	return fmt.Sprintf("{url:%s email:%s password_set:%v forward_host:%s}", c.URL, c.Email, c.Password != "", c.ForwardHost)
}

// LogValue masks the password.
func (c NPMConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Proxy returns the routing configuration of the settings.
func (s Settings) Proxy() ProxyConfig {
	ps, _ := ParsePrefixes(s.TrustedProxies) // validated when saved
	c := ProxyConfig{Router: s.ProxyProvider, TrustedProxies: ps, AccessLog: s.ProxyAccessLog}
	if c.Router == "" {
		c.Router = RouterBuiltin
	}
	if c.Router == RouterNPM {
		c.NPM = NPMConfig{URL: s.NPMURL, Email: s.NPMEmail, Password: s.NPMPassword, ForwardHost: s.NPMForwardHost}
	}
	return c
}

// ParsePrefixes reads a comma-separated list of CIDRs and addresses (an
// address is a prefix of its full length).
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

// normalizeProxy validates the routing fields of s.
func (s *Settings) normalizeProxy() error {
	switch s.ProxyProvider {
	case "", RouterBuiltin, RouterNPM: // "": the built-in proxy
	default:
		return fieldErr("proxy_provider", fmt.Sprintf("proxy_provider %q is unknown (want %q or %q)", s.ProxyProvider, RouterBuiltin, RouterNPM))
	}
	if s.NPMURL = strings.TrimSpace(s.NPMURL); s.NPMURL != "" {
		u, err := url.Parse(s.NPMURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fieldErr("npm_url", "npm_url must be an http or https address like http://npm.internal:81, without user, query or fragment")
		}
		s.NPMURL = strings.TrimRight(u.Scheme+"://"+strings.ToLower(u.Host)+u.EscapedPath(), "/")
	}
	if err := checkEmail("npm_email", &s.NPMEmail); err != nil {
		return err
	}
	if len(s.NPMPassword) > 1024 {
		return fieldErr("npm_password", "npm_password is too long")
	}
	if err := CheckCredential("npm_password", s.NPMPassword); err != nil {
		return err
	}
	if s.NPMForwardHost != "" {
		if err := checkHost("npm_forward_host", &s.NPMForwardHost); err != nil {
			return err
		}
	}
	if s.ProxyProvider == RouterNPM {
		for _, f := range []struct{ name, value string }{{"npm_url", s.NPMURL}, {"npm_email", s.NPMEmail}, {"npm_password", s.NPMPassword}} {
			if f.value == "" {
				return fieldErr(f.name, f.name+" is needed when proxy_provider is \"npm\"")
			}
		}
	}
	ps, err := ParsePrefixes(s.TrustedProxies)
	if err != nil {
		return fieldErr("trusted_proxies", "trusted_proxies: "+err.Error())
	}
	if len(ps) > maxTrustedProxies {
		return fieldErr("trusted_proxies", fmt.Sprintf("trusted_proxies holds %d entries; at most %d", len(ps), maxTrustedProxies))
	}
	s.TrustedProxies = joinPrefixes(ps)
	return nil
}

// joinPrefixes is the stored form of a prefix list: comma-separated.
func joinPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// prefixList is the API form of the stored list.
func prefixList(stored string) []string {
	out := []string{}
	for f := range strings.SplitSeq(stored, ",") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
