package model

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// fuzzBases are settings a patch is applied to: normalised ones (as the
// store holds them), and the zero value, which is not valid.
var fuzzBases = []Settings{
	{WildcardDNS: true, DNSTTL: 1, DNSDeleteGraceSeconds: 600, DNSSyncIntervalSeconds: 600,
		DockerPublishAddress: "127.0.0.1", DeployTimeoutSeconds: 60, DrainTimeoutSeconds: 30,
		ACMEEnabled: true, ACMEDirectoryURL: LetsEncryptProductionURL, HTTPSRedirect: true},
	{InstallationID: "0123456789abcdef", Domain: "example.com", PublicIPv4: "203.0.113.10", PublicIPv6: "2001:db8::1",
		DNSProvider: ProviderCloudflare, CloudflareAPIToken: "tok", CloudflareZoneID: "0123456789abcdef0123456789abcdef",
		CloudflareZoneName: "example.com", DNSTTL: 300, CloudflareProxied: true, DNSSyncIntervalSeconds: 60,
		DockerPublishAddress: "0.0.0.0", DeployTimeoutSeconds: 120, RegistryWebhookSecret: "0123456789abcdef",
		ACMEEmail: "admin@example.com", ACMEDirectoryURL: "https://127.0.0.1:14000/dir", HSTS: true, UIDomain: "dw.example.com"},
	{},
}

// FuzzSettingsPatchApply applies any JSON patch to each base: Apply never
// panics, a refused patch leaves the settings as they were and names one
// of the patch's fields, and accepted settings are already normal, with
// every field the patch does not set unchanged.
func FuzzSettingsPatchApply(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"domain":"Example.COM."}`, `{"domain":"bücher.example"}`, `{"domain":""}`, `{"domain":"localhost"}`,
		`{"public_ipv4":"203.0.113.1"}`, `{"public_ipv4":"::1"}`, `{"public_ipv4":"010.0.0.1"}`, `{"public_ipv4":"::ffff:1.2.3.4"}`,
		`{"public_ipv6":"2001:DB8::0:1"}`, `{"public_ipv6":"::ffff:1.2.3.4"}`, `{"public_ipv6":"fe80::1%eth0"}`,
		`{"wildcard_dns":false,"dns_provider":"cloudflare"}`, `{"dns_provider":"route53"}`, `{"dns_provider":""}`,
		`{"cloudflare_api_token":"a b"}`, `{"cloudflare_api_token":"tok\n"}`, `{"cloudflare_api_token":"\u200b"}`,
		`{"cloudflare_zone_id":"0123456789ABCDEF0123456789abcdef"}`, `{"cloudflare_zone_id":"xyz"}`,
		`{"cloudflare_zone_name":"Example.com."}`, `{"cloudflare_zone_name":"-bad-.com"}`,
		`{"dns_ttl":1}`, `{"dns_ttl":0}`, `{"dns_ttl":59}`, `{"dns_ttl":86400}`, `{"dns_ttl":86401}`, `{"cloudflare_proxied":true}`,
		`{"dns_delete_grace_seconds":0}`, `{"dns_delete_grace_seconds":-1}`, `{"dns_delete_grace_seconds":604801}`,
		`{"dns_sync_interval_seconds":59}`, `{"dns_sync_interval_seconds":600,"dns_ttl":1}`,
		`{"domain":"a.example.com","public_ipv4":"192.0.2.1","dns_ttl":120,"dns_sync_interval_seconds":3600}`,
		`{"domain":null}`, `{"DOMAIN":"x.example"}`,
		`{"docker_publish_address":"::"}`, `{"docker_publish_address":"localhost"}`, `{"deploy_timeout_seconds":4}`,
		`{"drain_timeout_seconds":-1}`, `{"registry_webhook_secret":"short"}`, `{"registry_webhook_secret":""}`,
		`{"acme_enabled":false}`, `{"acme_email":"Admin <a@example.com>"}`, `{"acme_email":" a@example.com"}`,
		`{"acme_directory_url":"HTTPS://Acme.Example/dir"}`, `{"acme_directory_url":"http://acme.example/dir"}`,
		`{"acme_directory_url":"https://acme.example/a%2Fb"}`, `{"acme_directory_url":""}`,
		`{"https_redirect":false,"hsts":true}`, `{"ui_domain":"DW.Example.com."}`, `{"ui_domain":"localhost"}`,
	} {
		for base := range fuzzBases {
			f.Add([]byte(s), uint8(base))
		}
	}
	fields := map[string]bool{}
	for f := range reflect.TypeFor[SettingsPatch]().Fields() {
		fields[f.Tag.Get("json")] = true
	}
	f.Fuzz(func(t *testing.T, patchJSON []byte, base uint8) {
		var p SettingsPatch
		if json.Unmarshal(patchJSON, &p) != nil {
			return
		}
		s := fuzzBases[int(base)%len(fuzzBases)]
		got, err := p.Apply(s)
		if err != nil {
			var fe *FieldError
			switch {
			case got != s:
				t.Fatalf("Apply(%s) failed (%v) but changed the settings\n from %+v\n   to %+v", patchJSON, err, s, got)
			case !errors.As(err, &fe) || !fields[fe.Field]:
				t.Fatalf("Apply(%s): the error %v names no field of the patch", patchJSON, err)
			}
			return
		}
		again := got
		if err := again.Normalize(); err != nil || again != got {
			t.Fatalf("Apply(%s) = %+v, which normalises to %+v, %v", patchJSON, got, again, err)
		}
		pv, sv, gv := reflect.ValueOf(p), reflect.ValueOf(s), reflect.ValueOf(got)
		for i := range pv.NumField() {
			name := pv.Type().Field(i).Name
			if pv.Field(i).IsNil() && !sv.FieldByName(name).Equal(gv.FieldByName(name)) {
				t.Fatalf("Apply(%s) changed %s, which the patch does not set: %v → %v", patchJSON, name, sv.FieldByName(name), gv.FieldByName(name))
			}
		}
	})
}

// TestFuzzBasesAreNormal keeps FuzzSettingsPatchApply's "unchanged" check
// meaningful: the valid bases are their own normal form.
func TestFuzzBasesAreNormal(t *testing.T) {
	for i, s := range fuzzBases[:2] {
		n := s
		if err := n.Normalize(); err != nil || n != s {
			t.Errorf("base %d normalises to %+v, %v", i, n, err)
		}
	}
	if z := fuzzBases[2]; z.Normalize() == nil {
		t.Errorf("the zero settings are valid: the fuzz test has no invalid base")
	}
}
