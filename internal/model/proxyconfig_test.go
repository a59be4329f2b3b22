package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestProxySettings(t *testing.T) {
	base := Settings{DNSTTL: 1, DNSSyncIntervalSeconds: 3600}
	npm := `"proxy_provider":"npm","npm_url":"http://npm.internal:81","npm_email":"admin@example.com","npm_password":"pw"`
	tests := []patchCase{
		{`{}`, "", func(s Settings) bool {
			return s.Proxy().Router == RouterBuiltin && s.View().ProxyProvider == RouterBuiltin
		}},
		{`{` + npm + `}`, "", func(s Settings) bool {
			c := s.Proxy()
			return c.Router == RouterNPM && c.NPM.URL == "http://npm.internal:81" && c.NPM.Password == "pw" &&
				s.View().NPMPasswordSet && !strings.Contains(fmt.Sprint(c.NPM), "pw")
		}},
		{`{"npm_url":"HTTP://NPM.Internal:81/"}`, "", func(s Settings) bool { return s.NPMURL == "http://npm.internal:81" }},
		{`{"npm_url":"https://npm.example.com/base/api/"}`, "", func(s Settings) bool { return s.NPMURL == "https://npm.example.com/base/api" }},
		{`{"proxy_provider":"traefik"}`, "proxy_provider", nil},
		{`{"proxy_provider":"npm"}`, "npm_url", nil},
		{`{"proxy_provider":"npm","npm_url":"http://npm:81"}`, "npm_email", nil},
		{`{"proxy_provider":"npm","npm_url":"http://npm:81","npm_email":"a@b.example"}`, "npm_password", nil},
		{`{"npm_url":"npm:81"}`, "npm_url", nil},
		{`{"npm_url":"ftp://npm"}`, "npm_url", nil},
		{`{"npm_url":"http://user:pw@npm:81"}`, "npm_url", nil},
		{`{"npm_email":"not an address"}`, "npm_email", nil},
		{`{"npm_email":"Admin <a@b.example>"}`, "npm_email", nil},
		{`{"npm_password":"pw\n"}`, "npm_password", nil},
		{`{"npm_forward_host":"Host.Docker.Internal."}`, "", func(s Settings) bool { return s.NPMForwardHost == "host.docker.internal" }},
		{`{"npm_forward_host":"172.17.0.1"}`, "", func(s Settings) bool { return s.Proxy().NPM.ForwardHost == "" }}, // read only for npm
		{`{"npm_forward_host":"a b"}`, "npm_forward_host", nil},
		{`{"trusted_proxies":["10.1.2.3/8","192.0.2.7","fd00::/64"]}`, "", func(s Settings) bool {
			return s.TrustedProxies == "10.0.0.0/8,192.0.2.7/32,fd00::/64" &&
				fmt.Sprint(s.View().TrustedProxies) == "[10.0.0.0/8 192.0.2.7/32 fd00::/64]" && len(s.Proxy().TrustedProxies) == 3
		}},
		{`{"trusted_proxies":[]}`, "", func(s Settings) bool { return s.TrustedProxies == "" && len(s.View().TrustedProxies) == 0 }},
		{`{"trusted_proxies":["10.0.0.0/33"]}`, "trusted_proxies", nil},
		{`{"trusted_proxies":["10.0.0.1,10.0.0.2"]}`, "trusted_proxies", nil},
		{`{"trusted_proxies":["fe80::1%eth0"]}`, "trusted_proxies", nil},
		{`{"trusted_proxies":[` + strings.Repeat(`"10.0.0.1",`, 64) + `"10.0.0.2"]}`, "trusted_proxies", nil},
		{`{"proxy_access_log":true}`, "", func(s Settings) bool { return s.Proxy().AccessLog }},
	}
	checkPatches(t, base, tests)
}

// patchCase is a settings patch and either the field its error names or
// a check of the settings it gives.
type patchCase struct {
	patch string
	field string // of the error; "" when valid
	check func(Settings) bool
}

// checkPatches applies each patch to base: a refused one names its field
// and leaves the settings as they were.
func checkPatches(t *testing.T, base Settings, tests []patchCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.patch, func(t *testing.T) {
			var p SettingsPatch
			if err := json.Unmarshal([]byte(tt.patch), &p); err != nil {
				t.Fatal(err)
			}
			got, err := p.Apply(base)
			var fe *FieldError
			switch {
			case tt.field != "":
				if !errors.As(err, &fe) || fe.Field != tt.field || got != base {
					t.Fatalf("error %v, want one on field %q, settings unchanged (%+v)", err, tt.field, got)
				}
			case err != nil:
				t.Fatal(err)
			case !tt.check(got):
				t.Fatalf("settings %+v", got)
			}
		})
	}
}

func TestDeploySettings(t *testing.T) {
	base := Settings{DNSTTL: 1, DNSSyncIntervalSeconds: 3600}
	tests := []patchCase{
		{`{}`, "", func(s Settings) bool {
			v := s.View()
			return s.PublishAddress() == "127.0.0.1" && s.PublishTarget() == "127.0.0.1" && v.DeployTimeoutSeconds == 60 &&
				v.DockerPublishAddress == "127.0.0.1" && !v.RegistryWebhookSecretSet
		}},
		{`{"docker_publish_address":"0.0.0.0"}`, "", func(s Settings) bool { return s.PublishTarget() == "127.0.0.1" }},
		{`{"docker_publish_address":"[::]"}`, "", func(s Settings) bool { return s.DockerPublishAddress == "::" && s.PublishTarget() == "::1" }},
		{`{"docker_publish_address":"::ffff:10.0.0.2"}`, "", func(s Settings) bool { return s.PublishTarget() == "10.0.0.2" }},
		{`{"docker_publish_address":"localhost"}`, "docker_publish_address", nil},
		{`{"deploy_timeout_seconds":5,"drain_timeout_seconds":0}`, "", func(s Settings) bool { return s.DeployTimeout().Seconds() == 5 }},
		{`{"deploy_timeout_seconds":4}`, "deploy_timeout_seconds", nil},
		{`{"deploy_timeout_seconds":3601}`, "deploy_timeout_seconds", nil},
		{`{"drain_timeout_seconds":-1}`, "drain_timeout_seconds", nil},
		{`{"registry_webhook_secret":"0123456789abcdef"}`, "", func(s Settings) bool { return s.View().RegistryWebhookSecretSet }},
		{`{"registry_webhook_secret":"short"}`, "registry_webhook_secret", nil},
		{`{"registry_webhook_secret":"0123456789abcdef\n"}`, "registry_webhook_secret", nil},
	}
	checkPatches(t, base, tests)
}
