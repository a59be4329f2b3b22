// Package web embeds the built SvelteKit single-page app and serves it.
//
// The app is built by `npm run build` into web/build, which this package
// embeds; build/.gitkeep keeps the embed valid on a fresh clone before the
// first build, in which case the handler explains how to build the UI.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:embed all:build
var buildFS embed.FS

// Handler serves the embedded app: files as they are, index.html for every
// other path so client-side routes work on reload.
func Handler() http.Handler {
	sub, err := fs.Sub(buildFS, "build")
	if err != nil {
		panic(err) // "build" is embedded above; this cannot fail
	}
	return handler(sub)
}

func handler(files fs.FS) http.Handler {
	index, indexErr := fs.ReadFile(files, "index.html")
	csp := ContentSecurityPolicy(index)
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(files, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "_app/immutable/") {
					// Hashed file names: the content never changes.
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				fileServer.ServeHTTP(w, r)
				return
			}
		}
		if indexErr != nil {
			http.Error(w, "The web UI is not built: run `make ui` (or `make run`).", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", csp)
		w.Write(index)
	})
}

// inlineScript matches the bootstrap scripts SvelteKit writes into the page
// (adapter-static inlines one that starts the app).
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// ContentSecurityPolicy is the policy of the app's page: scripts only from
// the app's origin plus the page's own inline scripts by hash, no framing.
// Styles allow 'unsafe-inline': SvelteKit's page and Svelte's transitions
// set style attributes, and a style cannot run code.
func ContentSecurityPolicy(index []byte) string {
	scripts := "'self'"
	for _, m := range inlineScript.FindAllSubmatch(index, -1) {
		sum := sha256.Sum256(m[1])
		scripts += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'self'; script-src " + scripts + "; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}
