// Package release tests the release tooling in tools/dist: that `make dist` builds
// reproducible archives with the version stamped in, and that the krew manifest it writes
// installs the plugin with the real krew so that `kubectl ck8sargo` runs. It also measures
// the released binary's size and start-up time.
package release
