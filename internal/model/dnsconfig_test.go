package model

import (
	"errors"
	"testing"
)

func TestDNSConfig(t *testing.T) {
	base := Settings{InstallationID: "inst", DNSProvider: ProviderCloudflare, CloudflareZoneID: "z1",
		CloudflareZoneName: "example.com", CloudflareAPIToken: "tok", CloudflareProxied: true}
	with := func(change func(*Settings)) Settings { s := base; change(&s); return s }
	tests := []struct {
		name    string
		s       Settings
		managed bool
		field   string // of Ready's error; "" when ready
	}{
		{"managed and ready", base, true, ""},
		{"wildcard mode", with(func(s *Settings) { s.WildcardDNS = true }), false, ""},
		{"no provider", with(func(s *Settings) { s.DNSProvider = ProviderNone }), false, "dns_provider"},
		{"no zone", with(func(s *Settings) { s.CloudflareZoneID = "" }), true, "cloudflare_zone_id"},
		{"no token", with(func(s *Settings) { s.CloudflareAPIToken = "" }), true, "cloudflare_api_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.s.DNS()
			if c.Managed() != tt.managed || tt.s.Managed() != tt.managed {
				t.Fatalf("managed %v, want %v", c.Managed(), tt.managed)
			}
			if (c.Target() != DNSTarget{}) != tt.managed {
				t.Fatalf("target %+v of a configuration managed=%v", c.Target(), tt.managed)
			}
			err := c.Ready()
			var fe *FieldError
			if tt.field == "" && err != nil || tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Fatalf("Ready: %v, want field %q", err, tt.field)
			}
		})
	}
	c := base.DNS()
	if c.ZoneID != "z1" || c.ZoneName != "example.com" || !c.Proxied || c.Credentials["cloudflare_api_token"] != "tok" {
		t.Fatalf("config %+v", c)
	}
	// The key follows the zone, the credentials and the installation, and
	// holds no secret.
	for _, other := range []Settings{
		with(func(s *Settings) { s.CloudflareZoneID = "z2" }),
		with(func(s *Settings) { s.CloudflareAPIToken = "tok2" }),
		with(func(s *Settings) { s.InstallationID = "other" }),
	} {
		if other.DNS().Key() == c.Key() {
			t.Errorf("%+v has the same key", other)
		}
	}
	if with(func(s *Settings) { s.Domain = "x.example.com"; s.DNSTTL = 300 }).DNS().Key() != c.Key() {
		t.Error("the key changed with fields that are not the configuration")
	}
	if k := c.Key(); len(k) != 32 || k == "tok" {
		t.Errorf("key %q is not a hash", k)
	}
}
