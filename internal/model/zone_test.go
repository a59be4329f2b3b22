package model

import (
	"errors"
	"testing"
)

func TestZoneNameFromTheProvider(t *testing.T) {
	managed := Settings{Domain: "apps.example.com", DNSProvider: ProviderCloudflare, CloudflareZoneID: "z"}
	wildcard := managed
	wildcard.WildcardDNS = true
	tests := []struct {
		name          string
		s             Settings
		actual, given string
		field         string // "" when accepted
	}{
		{"no name given: the provider's is taken", managed, "example.com", "", ""},
		{"the same name given", managed, "Example.com.", "example.com", ""},
		{"another name given", managed, "other.org", "example.com", "cloudflare_zone_id"},
		{"managed, the domain outside the zone", managed, "other.org", "", "cloudflare_zone_id"},
		{"wildcard mode, the domain outside the zone", wildcard, "other.org", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.WithZoneName(tt.actual, tt.given)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %v, want a field error on %s", err, tt.field)
			case tt.field == "" && got.CloudflareZoneName != "example.com" && got.CloudflareZoneName != tt.actual:
				t.Fatalf("zone name %q", got.CloudflareZoneName)
			}
		})
	}
	// The sync's check: every name the settings call in the zone must be in it.
	s := managed
	s.CloudflareZoneName = "example.com"
	if err := s.CheckZone("example.com"); err != nil {
		t.Fatalf("the right zone: %v", err)
	}
	if err := s.CheckZone("other.org"); err == nil {
		t.Fatal("a zone id of another zone passed")
	}
	s.CloudflareZoneName = "" // an older database: the domain stands for the zone
	if err := s.CheckZone("example.com"); err != nil {
		t.Fatalf("a domain inside the zone: %v", err)
	}
	if err := s.CheckZone("example.org"); err == nil {
		t.Fatal("a domain outside the zone passed")
	}
}
