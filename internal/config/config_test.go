package config

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(Config) bool
		wantErr string
	}{
		{name: "defaults", want: func(c Config) bool { return reflect.DeepEqual(c, Default()) }},
		{name: "env", env: map[string]string{"DW_LISTEN": "0.0.0.0:9000", "DW_DATA": "/var/lib/dw"},
			want: func(c Config) bool { return c.Listen == "0.0.0.0:9000" && c.DataDir == "/var/lib/dw" }},
		{name: "flag wins over env", args: []string{"--listen", "127.0.0.1:1"}, env: map[string]string{"DW_LISTEN": "127.0.0.1:2"},
			want: func(c Config) bool { return c.Listen == "127.0.0.1:1" }},
		{name: "secret from env", env: map[string]string{"DW_ADMIN_PASSWORD": "s3cret"},
			want: func(c Config) bool { return c.AdminPassword == "s3cret" }},
		{name: "bad listen", args: []string{"--listen", "nope"}, wantErr: "--listen"},
		{name: "same addresses", args: []string{"--listen", ":80", "--proxy-listen", ":80"}, wantErr: "both"},
		{name: "proxy and its TLS on one address", args: []string{"--proxy-listen", ":443", "--proxy-tls-listen", ":443"}, wantErr: "--proxy-listen and --proxy-tls-listen"},
		{name: "tls listen", env: map[string]string{"DW_PROXY_TLS_LISTEN": ":443"}, want: func(c Config) bool { return c.ProxyTLSListen == ":443" }},
		{name: "acme resolvers", env: map[string]string{"DW_ACME_DNS_RESOLVERS": "127.0.0.1:5353, [::1]:53"},
			want: func(c Config) bool { return fmt.Sprint(c.ACMEResolvers) == "[127.0.0.1:5353 [::1]:53]" }},
		{name: "bad acme resolver", env: map[string]string{"DW_ACME_DNS_RESOLVERS": "127.0.0.1"}, wantErr: "DW_ACME_DNS_RESOLVERS"},
		{name: "acme off", env: map[string]string{"DW_ACME": "off"}, want: func(c Config) bool { return !c.ACME }},
		{name: "acme on by default", want: func(c Config) bool { return c.ACME }},
		{name: "bad acme", env: map[string]string{"DW_ACME": "no"}, wantErr: "DW_ACME"},
		{name: "bad level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad cloudflare url", env: map[string]string{"DW_CLOUDFLARE_API_URL": "ftp://x"}, wantErr: "DW_CLOUDFLARE_API_URL"},
		{name: "extra argument", args: []string{"extra"}, wantErr: "unexpected argument"},
		{name: "trusted proxies", env: map[string]string{"DW_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,fd00::1/64"},
			want: func(c Config) bool {
				return fmt.Sprint(c.TrustedProxies) == "[10.0.0.0/8 192.0.2.7/32 fd00::/64]"
			}},
		{name: "trusted proxies flag", args: []string{"--trusted-proxies", "127.0.0.1"},
			want: func(c Config) bool { return fmt.Sprint(c.TrustedProxies) == "[127.0.0.1/32]" }},
		{name: "bad trusted proxy", env: map[string]string{"DW_TRUSTED_PROXIES": "10.0.0.0/8,proxy.lan"}, wantErr: "proxy.lan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("serve", tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(c) {
				t.Fatalf("unexpected config %+v", c)
			}
		})
	}
}

func TestSecretMasked(t *testing.T) {
	c := Default()
	c.AdminPassword = "hunter2-very-secret"
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v", c)} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("secret printed: %s", s)
		}
	}
}
