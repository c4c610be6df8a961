package charts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// repo is a parsed repository URL.
type repo struct {
	oci bool
	// key is the normalized URL: "oci://host/path" for OCI, "https://host/path" for a Helm
	// repository; no trailing slash, scheme and host lower case, no credentials.
	key string
	// ref is, for OCI, the registry reference prefix "host/path"; for a Helm repository,
	// the URL to resolve index.yaml and relative archive URLs against.
	ref string
	// shown is the URL for messages: without credentials.
	shown string
}

func parseRepo(raw string) (repo, error) {
	s := strings.TrimSpace(raw)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "oci://"):
		return ociRepo(s[len("oci://"):], raw)
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return repo{}, fmt.Errorf("repository URL %q is not a valid URL", redactURL(raw))
		}
		u.Scheme = strings.ToLower(u.Scheme)
		u.Host = strings.ToLower(u.Host)
		shown := *u
		shown.User = nil
		key := shown
		key.RawQuery, key.Fragment = "", ""
		return repo{
			key:   strings.TrimSuffix(key.String(), "/"),
			ref:   u.String(),
			shown: strings.TrimSuffix(shown.String(), "/"),
		}, nil
	case strings.Contains(s, "://"):
		return repo{}, fmt.Errorf("repository URL %s: scheme not supported (http, https and oci are)", redactURL(raw))
	default:
		// Argo CD's scheme-less OCI form: "registry.example.com/charts".
		return ociRepo(s, raw)
	}
}

func ociRepo(s, raw string) (repo, error) {
	s = strings.TrimSuffix(s, "/")
	host, path, _ := strings.Cut(s, "/")
	if host == "" || strings.ContainsAny(s, " @\\?#") {
		return repo{}, fmt.Errorf("repository %q is neither an http(s) URL nor an OCI registry reference", redactURL(raw))
	}
	ref := strings.ToLower(host)
	if path != "" {
		ref += "/" + path
	}
	return repo{oci: true, key: "oci://" + ref, ref: ref, shown: "oci://" + ref}, nil
}

// redactURL drops credentials from a URL for messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	if i := strings.Index(raw, "@"); i >= 0 && strings.Contains(raw[:i], ":") {
		return "(redacted)@" + raw[i+1:]
	}
	return raw
}

// resolveReference resolves an archive URL from an index against the repository URL as
// Helm does (repo.ResolveReferenceURL): the base gets a trailing slash, and the base query
// is kept.
func resolveReference(base, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("archive URL %q in the index is not a URL", redactURL(ref))
	}
	if r.IsAbs() {
		return ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	b.RawPath = strings.TrimSuffix(b.RawPath, "/") + "/"
	b.Path = strings.TrimSuffix(b.Path, "/") + "/"
	out := b.ResolveReference(r)
	out.RawQuery = b.RawQuery
	return out.String(), nil
}

// safeName makes s usable as one path component of the cache: kept as is when it is plain,
// otherwise replaced characters and a hash of s, so that two names never share a file.
func safeName(s string) string {
	clean := true
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r == '+' {
			b.WriteRune(r)
			continue
		}
		clean = false
		b.WriteByte('_')
	}
	out := b.String()
	if clean && out != "" && out != "." && out != ".." && !strings.HasPrefix(out, ".") {
		return out
	}
	h := sha256.Sum256([]byte(s))
	return strings.TrimLeft(out, ".") + "~" + hex.EncodeToString(h[:6])
}

// repoDir is the cache directory of a repository: readable, and unique by a hash of its key.
func repoDir(r repo) string {
	h := sha256.Sum256([]byte(r.key))
	readable := r.key
	if i := strings.Index(readable, "://"); i >= 0 {
		readable = readable[i+3:]
	}
	if len(readable) > 80 {
		readable = readable[:80]
	}
	var b strings.Builder
	for _, c := range readable {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + "-" + hex.EncodeToString(h[:8])
}
