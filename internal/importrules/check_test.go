package importrules

import (
	"slices"
	"strings"
	"testing"
)

const mod = "example.com/dw"

// edges builds a graph from "from → to" pairs of module-relative ("./")
// or outside paths.
func edges(pairs ...[2]string) Graph {
	g := Graph{}
	for _, p := range pairs {
		from, to := abs(p[0]), abs(p[1])
		g[from] = append(g[from], to)
		if _, ok := g[to]; !ok {
			g[to] = nil
		}
	}
	return g
}

func abs(p string) string {
	if len(p) > 2 && p[:2] == "./" {
		return mod + "/" + p[2:]
	}
	return p
}

// allowed is a graph shaped like Docker Watcher's, with every edge the
// rules allow, including the ones that look close to a forbidden one.
var allowed = [][2]string{
	{"./cmd/docker-watcher", "./internal/app"},
	{"./internal/app", "./internal/api"},
	{"./internal/app", "./internal/reconcile"},
	{"./internal/app", "./internal/docker"},
	{"./internal/app", "./internal/proxy/builtin"},
	{"./internal/app", "./internal/dns/providers"},
	{"./internal/api", "./internal/store"},
	{"./internal/api", "./internal/dns"},
	{"./internal/reconcile", "./internal/dns"},
	{"./internal/reconcile", "./internal/store"},
	{"./internal/reconcile", "./internal/consumer"},
	{"./internal/dns/providers", "./internal/dns/cloudflare"},
	{"./internal/dns/providers", "./internal/model"}, // dns may know the model
	{"./internal/dns/cloudflare", "./internal/dns"},
	{"./internal/dns/cloudflare", "github.com/cloudflare/cloudflare-go/v6/dns"},
	{"./internal/dns/dnstest", "testing"}, // helpers may use testing
	{"./internal/store", "./internal/model"},
	{"./internal/store", "modernc.org/sqlite"},
	{"./internal/model", "./internal/dnsname"}, // the name rules are a leaf
	{"./internal/dnsname", "golang.org/x/net/idna"},
	{"./internal/docker", "./internal/model"},
	{"./internal/proxy/builtin", "./internal/proxy"},
	{"./internal/proxy", "./internal/consumer"},
	{"./internal/consumer", "./internal/model"},
	{"./internal/store/storetest", "./internal/store"},
	{"./internal/dns/cloudflare/cfemu", "net/http"},
	{"./cmd/cf-emulator", "./internal/dns/cloudflare/cfemu"},
	{"./internal/app", "os"},
	{"os", "internal/testlog"}, // the standard library's own *test names
}

func TestCheckAllowsTheLayout(t *testing.T) {
	g := edges(allowed...)
	if v := Check(mod, g, Rules); len(v) != 0 {
		t.Fatalf("violations in an allowed graph: %v", v)
	}
	if u := Unmatched(mod, g, Rules); len(u) != 0 {
		t.Fatalf("rules that match no package of the allowed graph: %v", u)
	}
}

func TestCheckFindsEveryRuleBroken(t *testing.T) {
	store := "the store and the model know no integration"
	leaf := "dnsname is a leaf: it imports nothing of Docker Watcher"
	dns := "dns knows no store, api or reconcile"
	docker := "docker and proxy never call a DNS provider and never import api"
	proxy := docker
	binary := "emulators and test helpers never end up in the binary"
	tests := []struct {
		name string
		add  [][2]string
		want []string // Violation.String with module-relative paths
	}{
		{"store imports the SDK", [][2]string{{"./internal/store", "github.com/cloudflare/cloudflare-go/v6"}},
			[]string{store + ": ./internal/store → github.com/cloudflare/cloudflare-go/v6"}},
		{"store imports a provider", [][2]string{{"./internal/store", "./internal/dns/cloudflare"}},
			[]string{store + ": ./internal/store → ./internal/dns/cloudflare"}},
		{"store reaches dns through a helper", [][2]string{{"./internal/store", "./internal/util"}, {"./internal/util", "./internal/dns"}},
			[]string{store + ": ./internal/store → ./internal/util → ./internal/dns"}},
		{"model imports reconcile", [][2]string{{"./internal/model", "./internal/reconcile"}},
			// everything imports the model, so every rule that forbids
			// reconcile or what it imports sees it
			[]string{
				store + ": ./internal/model → ./internal/reconcile",
				store + ": ./internal/store → ./internal/model → ./internal/reconcile",
				dns + ": ./internal/dns/providers → ./internal/model → ./internal/reconcile",
				docker + ": ./internal/docker → ./internal/model → ./internal/reconcile → ./internal/dns",
				proxy + ": ./internal/proxy → ./internal/consumer → ./internal/model → ./internal/reconcile → ./internal/dns",
				proxy + ": ./internal/proxy/builtin → ./internal/proxy → ./internal/consumer → ./internal/model → ./internal/reconcile → ./internal/dns",
			}},
		{"store imports api, app, docker, proxy, registry, certs, tls", [][2]string{
			{"./internal/store", "./internal/api"}, {"./internal/store", "./internal/app"},
			{"./internal/store", "./internal/docker"}, {"./internal/store", "./internal/proxy/npm"},
			{"./internal/store", "./internal/registry"}, {"./internal/store", "./internal/certs"},
			{"./internal/store", "./internal/tls"},
		}, []string{
			store + ": ./internal/store → ./internal/api",
			store + ": ./internal/store → ./internal/app",
			store + ": ./internal/store → ./internal/certs",
			store + ": ./internal/store → ./internal/docker",
			store + ": ./internal/store → ./internal/proxy/npm",
			store + ": ./internal/store → ./internal/registry",
			store + ": ./internal/store → ./internal/tls",
		}},
		{"dnsname imports the model", [][2]string{{"./internal/dnsname", "./internal/model"}},
			[]string{leaf + ": ./internal/dnsname → ./internal/model"}},
		{"a provider imports the store", [][2]string{{"./internal/dns/cloudflare", "./internal/store"}},
			[]string{
				dns + ": ./internal/dns/cloudflare → ./internal/store",
				dns + ": ./internal/dns/providers → ./internal/dns/cloudflare → ./internal/store",
			}},
		{"dns imports reconcile", [][2]string{{"./internal/dns", "./internal/reconcile/plan"}},
			// every dns package reaches it through dns itself
			[]string{
				dns + ": ./internal/dns → ./internal/reconcile/plan",
				dns + ": ./internal/dns/cloudflare → ./internal/dns → ./internal/reconcile/plan",
				dns + ": ./internal/dns/providers → ./internal/dns/cloudflare → ./internal/dns → ./internal/reconcile/plan",
			}},
		{"dnstest imports api", [][2]string{{"./internal/dns/dnstest", "./internal/api"}},
			[]string{dns + ": ./internal/dns/dnstest → ./internal/api"}},
		{"docker imports a provider", [][2]string{{"./internal/docker", "./internal/dns/providers"}},
			[]string{docker + ": ./internal/docker → ./internal/dns/providers"}},
		{"docker imports api", [][2]string{{"./internal/docker/events", "./internal/api"}},
			[]string{docker + ": ./internal/docker/events → ./internal/api"}},
		{"proxy imports the SDK", [][2]string{{"./internal/proxy/builtin", "github.com/cloudflare/cloudflare-go/v6/dns"}},
			[]string{proxy + ": ./internal/proxy/builtin → github.com/cloudflare/cloudflare-go/v6/dns"}},
		{"proxy imports reconcile", [][2]string{{"./internal/proxy", "./internal/reconcile"}},
			// reconcile brings the DNS interface package first
			[]string{
				proxy + ": ./internal/proxy → ./internal/reconcile → ./internal/dns",
				proxy + ": ./internal/proxy/builtin → ./internal/proxy → ./internal/reconcile → ./internal/dns",
			}},
		{"the binary reaches the emulator", [][2]string{{"./internal/app", "./internal/dns/cloudflare/cfemu"}},
			[]string{binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/dns/cloudflare/cfemu"}},
		{"the binary reaches test helpers", [][2]string{
			{"./internal/api", "./internal/store/storetest"}, {"./internal/proxy/builtin", "./internal/proxy/proxytest"},
			{"./internal/docker", "./internal/docker/dockertest"},
		}, []string{
			binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/api → ./internal/store/storetest",
			binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/docker → ./internal/docker/dockertest",
			binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/proxy/builtin → ./internal/proxy/proxytest",
		}},
		{"the binary imports the emulator's command", [][2]string{{"./cmd/docker-watcher", "./cmd/cf-emulator"}},
			[]string{binary + ": ./cmd/docker-watcher → ./cmd/cf-emulator"}},
		{"the binary imports this checker", [][2]string{{"./internal/app", "./internal/importrules"}},
			[]string{binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/importrules"}},
		{"the binary links testing", [][2]string{{"./internal/api", "net/http/httptest"}, {"net/http/httptest", "testing"}},
			// testing is reached through httptest, which is reported first
			[]string{binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/api → net/http/httptest"}},
		{"the binary reaches a dnstest helper through dns", [][2]string{{"./internal/dns", "./internal/dns/dnstest"}},
			[]string{binary + ": ./cmd/docker-watcher → ./internal/app → ./internal/api → ./internal/dns → ./internal/dns/dnstest"}},
	}
	broken := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := edges(append(slices.Clone(allowed), tt.add...)...)
			var got []string
			for _, v := range Check(mod, g, Rules) {
				broken[v.Rule] = true
				got = append(got, relative(v.String()))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("violations\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	for _, r := range Rules {
		if !broken[r.Name] {
			t.Errorf("no case breaks the rule %q", r.Name)
		}
	}
}

// relative writes the module's paths of s as "./".
func relative(s string) string { return strings.ReplaceAll(s, mod+"/", "./") }

func TestUnmatched(t *testing.T) {
	g := edges(allowed...)
	delete(g, abs("./internal/dnsname")) // moved away
	delete(g, abs("./internal/docker"))  // a future rule's package
	got := Unmatched(mod, g, Rules)
	want := []string{"dnsname is a leaf: it imports nothing of Docker Watcher"}
	if !slices.Equal(got, want) {
		t.Fatalf("Unmatched = %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"./internal/dns", mod + "/internal/dns", true},
		{"./internal/dns", mod + "/internal/dns/cloudflare", false},
		{"./internal/dns", mod + "/internal/dnsname", false},
		{"./internal/dns/...", mod + "/internal/dns", true},
		{"./internal/dns/...", mod + "/internal/dns/cloudflare/cfemu", true},
		{"./internal/dns/...", mod + "/internal/dnsname", false},
		{"./internal/dns/...", "other.example/internal/dns", false},
		{"./...", mod + "/internal/model", true},
		{"./...", mod + "x/internal/model", false},
		{"./.../*test", mod + "/internal/store/storetest", true},
		{"./.../*test", mod + "/internal/testing", false},
		{"./.../*test", "net/http/httptest", false}, // not the module's
		{"./.../*emu", mod + "/internal/dns/cloudflare/cfemu", true},
		{"github.com/cloudflare/cloudflare-go/...", "github.com/cloudflare/cloudflare-go/v6/dns", true},
		{"github.com/cloudflare/cloudflare-go/...", "github.com/cloudflare/cloudflare-go", true},
		{"github.com/cloudflare/cloudflare-go/...", "github.com/cloudflare/cloudflare-gox", false},
		{"testing", "testing", true},
		{"testing", "testing/fstest", false},
	}
	for _, tt := range tests {
		if got := match(mod, tt.pattern, tt.path); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
