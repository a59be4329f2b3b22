package model

import (
	"strings"
	"testing"
)

func TestACMESettings(t *testing.T) {
	// The store's defaults: on, Let's Encrypt production, redirect, no HSTS.
	base := Settings{DNSTTL: 1, DNSSyncIntervalSeconds: 3600, ACMEEnabled: true, ACMEDirectoryURL: LetsEncryptProductionURL, HTTPSRedirect: true}
	tests := []patchCase{
		{`{}`, "", func(s Settings) bool {
			c := s.ACME()
			return !c.Enabled && c.DirectoryURL == LetsEncryptProductionURL && c.Redirect && !c.HSTS && c.UIDomain == "" && c.Email == ""
		}},
		// On by default once a domain is set.
		{`{"domain":"Example.com"}`, "", func(s Settings) bool { c := s.ACME(); return c.Enabled && c.Domain == "example.com" }},
		{`{"domain":"example.com","acme_enabled":false}`, "", func(s Settings) bool { return !s.ACME().Enabled && !s.View().ACMEEnabled }},
		{`{"acme_enabled":true}`, "", func(s Settings) bool { return !s.ACME().Enabled && s.View().ACMEEnabled }},
		{`{"acme_directory_url":"` + LetsEncryptStagingURL + `"}`, "", func(s Settings) bool {
			return s.ACME().DirectoryURL == LetsEncryptStagingURL && s.View().ACMEDirectoryURL == LetsEncryptStagingURL
		}},
		// "" is the default directory, answered as its address.
		{`{"acme_directory_url":""}`, "", func(s Settings) bool {
			return s.ACMEDirectoryURL == "" && s.ACME().DirectoryURL == LetsEncryptProductionURL && s.View().ACMEDirectoryURL == LetsEncryptProductionURL
		}},
		{`{"acme_directory_url":" HTTPS://Pebble.Test:14000/dir "}`, "", func(s Settings) bool { return s.ACMEDirectoryURL == "https://pebble.test:14000/dir" }},
		{`{"acme_directory_url":"https://[::1]:14000/dir"}`, "", func(s Settings) bool { return s.ACMEDirectoryURL == "https://[::1]:14000/dir" }},
		{`{"acme_directory_url":"http://acme.example/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"acme.example/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https:///directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://:443/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https:acme.example"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://user:pw@acme.example/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme.example/directory?x=1"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme.example/directory#top"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme.example:0/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme.example:65536/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme example/directory"}`, "acme_directory_url", nil},
		{`{"acme_directory_url":"https://acme.example/` + strings.Repeat("d", 2048) + `"}`, "acme_directory_url", nil},
		{`{"acme_email":" admin@example.com "}`, "", func(s Settings) bool { return s.ACME().Email == "admin@example.com" }},
		{`{"acme_email":""}`, "", func(s Settings) bool { return s.ACME().Email == "" }},
		{`{"acme_email":"not an address"}`, "acme_email", nil},
		{`{"acme_email":"admin@"}`, "acme_email", nil},
		{`{"acme_email":"Admin <admin@example.com>"}`, "acme_email", nil},
		{`{"acme_email":"<admin@example.com>"}`, "acme_email", nil},
		{`{"acme_email":"a@example.com, b@example.com"}`, "acme_email", nil},
		{`{"acme_email":"` + strings.Repeat("a", 250) + `@example.com"}`, "acme_email", nil},
		{`{"https_redirect":false,"hsts":true}`, "", func(s Settings) bool {
			c, v := s.ACME(), s.View()
			return !c.Redirect && c.HSTS && !v.HTTPSRedirect && v.HSTS
		}},
		{`{"ui_domain":"DW.Example.com."}`, "", func(s Settings) bool {
			return s.ACME().UIDomain == "dw.example.com" && s.View().UIDomain == "dw.example.com"
		}},
		{`{"ui_domain":"bücher.example"}`, "", func(s Settings) bool { return s.UIDomain == "xn--bcher-kva.example" }},
		{`{"ui_domain":""}`, "", func(s Settings) bool { return s.ACME().UIDomain == "" }},
		{`{"ui_domain":"localhost"}`, "ui_domain", nil},
		{`{"ui_domain":"bad domain!"}`, "ui_domain", nil},
		{`{"ui_domain":"-dw.example.com"}`, "ui_domain", nil},
		{`{"ui_domain":"*.example.com"}`, "ui_domain", nil},
		{`{"ui_domain":"xn--zz.example.com"}`, "ui_domain", nil},
		{`{"ui_domain":"192.0.2.1"}`, "ui_domain", nil},
		// A valid field beside a bad one is not taken either.
		{`{"hsts":true,"acme_email":"nope"}`, "acme_email", nil},
	}
	checkPatches(t, base, tests)
}
