package argocdmanaged

import "strings"

// NormalizeRepoURL reduces the https, ssh and scp-like forms of a git URL to
// "host/path" in lower case without ".git", so that the forms Applications use compare
// equal. It is the one comparison of repository URLs that policy, render and render/appset
// share.
func NormalizeRepoURL(u string) string {
	s := strings.ToLower(strings.TrimSpace(u))
	hadScheme := false
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		hadScheme = true
	}
	if at := strings.IndexByte(s, '@'); at >= 0 && (strings.IndexByte(s, '/') < 0 || at < strings.IndexByte(s, '/')) {
		s = s[at+1:]
	}
	slash := strings.IndexByte(s, '/')
	if colon := strings.IndexByte(s, ':'); colon >= 0 && (slash < 0 || colon < slash) {
		host, rest := s[:colon], s[colon+1:]
		if hadScheme {
			// host:port/path: drop the port.
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				rest = rest[i+1:]
			}
		}
		s = host + "/" + strings.TrimPrefix(rest, "/")
	}
	s = strings.TrimRight(s, "/")
	s = strings.TrimSuffix(s, ".git")
	return strings.TrimRight(s, "/")
}
