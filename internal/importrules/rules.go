package importrules

// Patterns name import paths:
//   - "./internal/dns" is that package of the module, "./internal/dns/..."
//     it and every package below it;
//   - "./.../*test" is every package of the module whose last element
//     matches *test (path.Match), wherever it lies;
//   - a pattern without "./" is an import path outside the module, with
//     the same "/..." suffix ("github.com/cloudflare/cloudflare-go/...").

// A Rule forbids the packages From, and everything they depend on directly
// or not, to reach any package Forbid names.
type Rule struct {
	Name   string   // what DESIGN says, for the failure message
	From   []string // the packages the rule is about
	Forbid []string // what they must not depend on
	// Future marks a rule whose packages do not exist yet, so that its
	// matching nothing is expected; every other rule must match a package.
	Future bool
}

// integrations are the packages that talk to the world outside the process.
var integrations = []string{
	"./internal/dns/...",
	"./internal/reconcile/...",
	"./internal/api/...",
	"./internal/app/...",
	"./internal/docker/...",
	"./internal/proxy/...",
	"./internal/registry/...",
	"./internal/certs/...",
	"./internal/tls/...",
	"github.com/cloudflare/cloudflare-go/...",
}

// Rules are DESIGN's import rules ("Layout").
var Rules = []Rule{
	{
		Name:   "the store and the model know no integration",
		From:   []string{"./internal/store", "./internal/model"},
		Forbid: integrations,
	},
	{
		Name:   "dnsname is a leaf: it imports nothing of Docker Watcher",
		From:   []string{"./internal/dnsname"},
		Forbid: []string{"./..."},
	},
	{
		Name:   "dns knows no store, api or reconcile",
		From:   []string{"./internal/dns/..."},
		Forbid: []string{"./internal/store/...", "./internal/api/...", "./internal/reconcile/..."},
	},
	{
		Name:   "docker and proxy never call a DNS provider and never import api",
		From:   []string{"./internal/docker/...", "./internal/proxy/..."},
		Forbid: []string{"./internal/dns/...", "github.com/cloudflare/cloudflare-go/...", "./internal/api/..."},
	},

	{
		Name: "emulators and test helpers never end up in the binary",
		From: []string{"./cmd/docker-watcher"},
		Forbid: []string{
			"./.../*test", "./.../*emu", "./cmd/cf-emulator", "./internal/importrules",
			"testing", "net/http/httptest",
		},
	},
}
