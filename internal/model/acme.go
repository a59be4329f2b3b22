package model

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/dockerwatcher/docker-watcher/internal/dnsname"
)

// Let's Encrypt's ACME directories. Production is the default; staging
// issues untrusted certificates under far higher rate limits, for trying
// a set-up out.
const (
	LetsEncryptProductionURL = "https://acme-v02.api.letsencrypt.org/directory"
	LetsEncryptStagingURL    = "https://acme-staging-v02.api.letsencrypt.org/directory"
)

// maxDirectoryURL bounds acme_directory_url; real ones are a few dozen bytes.
const maxDirectoryURL = 2048

// ACMEConfig is what the certificate manager and the built-in proxy read of
// the settings.
type ACMEConfig struct {
	// Enabled: certificates are obtained, which needs acme_enabled and a
	// domain ("on by default once a domain is set").
	Enabled      bool
	Domain       string // the base domain (settings.domain)
	Email        string // the CA's contact; "" for none
	DirectoryURL string // the CA's ACME directory
	Redirect     bool   // HTTP to a name with a certificate is redirected to HTTPS
	HSTS         bool   // Strict-Transport-Security is sent over HTTPS
	UIDomain     string // the name the built-in proxy serves the UI and API at; "" for none
}

// ACME returns the certificate configuration of the settings.
func (s Settings) ACME() ACMEConfig {
	return ACMEConfig{
		Enabled:      s.ACMEEnabled && s.Domain != "",
		Domain:       s.Domain,
		Email:        s.ACMEEmail,
		DirectoryURL: s.DirectoryURL(),
		Redirect:     s.HTTPSRedirect,
		HSTS:         s.HSTS,
		UIDomain:     s.UIDomain,
	}
}

// DirectoryURL is the ACME directory: the setting, or Let's Encrypt's
// production directory when it is empty.
func (s Settings) DirectoryURL() string {
	if s.ACMEDirectoryURL == "" {
		return LetsEncryptProductionURL
	}
	return s.ACMEDirectoryURL
}

// normalizeACME validates the certificate fields of s.
func (s *Settings) normalizeACME() error {
	if err := checkEmail("acme_email", &s.ACMEEmail); err != nil {
		return err
	}
	if s.ACMEDirectoryURL = strings.TrimSpace(s.ACMEDirectoryURL); s.ACMEDirectoryURL != "" { // "": the default
		u, err := url.Parse(s.ACMEDirectoryURL)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || !validPort(u.Port()) || u.User != nil ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || len(s.ACMEDirectoryURL) > maxDirectoryURL {
			return fieldErr("acme_directory_url", "acme_directory_url must be an https address like "+LetsEncryptProductionURL+", without user, query or fragment")
		}
		s.ACMEDirectoryURL = "https://" + strings.ToLower(u.Host) + u.EscapedPath()
	}
	if s.UIDomain != "" {
		d, err := dnsname.NormalizeName(s.UIDomain)
		if err != nil {
			return fieldErr("ui_domain", "ui_domain "+err.Error())
		}
		s.UIDomain = d
	}
	return nil
}

// validPort accepts an absent port or one of 1..65535.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// checkEmail trims an optional email address given in field and requires
// it to be one bare address (no display name, no list).
func checkEmail(field string, addr *string) error {
	if *addr = strings.TrimSpace(*addr); *addr == "" {
		return nil
	}
	if a, err := mail.ParseAddress(*addr); err != nil || a.Name != "" || a.Address != *addr || len(*addr) > 254 {
		return fieldErr(field, fmt.Sprintf("%s must be an email address like admin@example.com", field))
	}
	return nil
}
