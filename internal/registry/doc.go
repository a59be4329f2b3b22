// Package registry watches image repositories and turns what it sees into
// deploy actions.
//
// It holds three things, each usable on its own:
//   - Client: tags and digests of a repository over the registry API
//     (go-containerregistry), with the app's credentials or Docker's own
//     config file;
//   - Decide: the pure decision from (app, tags and digests seen, instances)
//     to Deploy / Redeploy / Remove actions, and the Watcher that polls each
//     app on its own timer and hands those actions to a Deployer;
//   - ParseHook and VerifyHook: the push webhook's payloads (the Docker
//     distribution notification envelope, or a plain {"app","tag"}) and its
//     shared-secret check.
//
// It must not know the store, the API or Docker: apps and instances come in
// through the Apps interface, actions go out through the Deployer interface,
// and errors through the Reporter, so the app package wires it to the rest.
package registry
