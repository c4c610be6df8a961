package charts

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Credential is a username and password for the repositories under URL.
//
// URL is matched as a prefix at a path boundary, and the longest match wins: a credential
// for https://charts.example.com/team applies to https://charts.example.com/team/stable but
// not to https://charts.example.com/teamx. That is how Argo CD applies repo-creds; a
// repository Secret's URL is the repository itself, which is always the longest match.
// OCI URLs are compared without their oci:// scheme.
type Credential struct {
	URL      string
	Username string
	Password string
	// Name is the repository's name in Argo CD (the Secret's name field): Chart.yaml
	// dependencies can refer to the repository as "@name" or "alias:name". A Credential with
	// a Name and no username or password only names a public repository.
	Name string
}

// String never shows the password.
func (c Credential) String() string {
	return fmt.Sprintf("credential for %s (user %s)", c.URL, c.Username)
}

// GoString never shows the password either.
func (c Credential) GoString() string { return c.String() }

const secretTypeLabel = "argocd.argoproj.io/secret-type"

// CredentialsFromSecrets returns the credentials of the Argo CD repository Secrets among
// objs (Kubernetes objects as decoded from YAML or JSON): Secrets labelled
// argocd.argoproj.io/secret-type "repository" or "repo-creds" with a url and a username or
// password, in data (base64) or stringData, and repository Secrets with a name (which
// Chart.yaml dependencies may use as "@name"). Other objects are ignored. A scheme-less URL
// (Argo CD's form for an OCI Helm repository, with enableOCI) is an OCI registry. The order
// of objs is kept; matching picks the longest URL, as Argo CD does.
func CredentialsFromSecrets(objs []map[string]any) []Credential {
	var out []Credential
	for _, o := range objs {
		if o["kind"] != "Secret" {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		if t := labels[secretTypeLabel]; t != "repository" && t != "repo-creds" {
			continue
		}
		get := func(key string) string {
			if sd, ok := o["stringData"].(map[string]any); ok {
				if v, ok := sd[key].(string); ok {
					return v
				}
			}
			if d, ok := o["data"].(map[string]any); ok {
				if v, ok := d[key].(string); ok {
					if b, err := base64.StdEncoding.DecodeString(v); err == nil {
						return string(b)
					}
				}
			}
			return ""
		}
		u := get("url")
		user, pass := get("username"), get("password")
		var repoName string
		if labels[secretTypeLabel] == "repository" {
			repoName = get("name")
		}
		if u == "" || (user == "" && pass == "" && repoName == "") {
			continue
		}
		out = append(out, Credential{URL: u, Username: user, Password: pass, Name: repoName})
	}
	return out
}

// DefaultRegistryConfig is the path of the user's Helm registry configuration, as Helm finds
// it: $HELM_REGISTRY_CONFIG, else registry/config.json under $HELM_CONFIG_HOME, else under
// $XDG_CONFIG_HOME/helm, else ~/.config/helm.
func DefaultRegistryConfig() (string, error) {
	if p := os.Getenv("HELM_REGISTRY_CONFIG"); p != "" {
		return p, nil
	}
	if d := os.Getenv("HELM_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "registry", "config.json"), nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "helm", "registry", "config.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the Helm registry configuration: %w", err)
	}
	return filepath.Join(home, ".config", "helm", "registry", "config.json"), nil
}

// CredentialsFromRegistryConfig reads the OCI registry credentials of a Helm registry
// configuration (the docker-style config.json that `helm registry login` writes): each
// entry of "auths" with an "auth" (base64 of user:password) or a username and password
// applies to every repository on that registry. A missing file is no credentials, not an
// error. Credential helpers ("credsStore", "credHelpers") are not run.
func CredentialsFromRegistryConfig(path string) ([]Credential, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the registry configuration %s: %w", path, err)
	}
	var cfg struct {
		Auths map[string]struct {
			Auth     string `json:"auth"`
			Username string `json:"username"`
			Password string `json:"password"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		// The decoder's message can quote the file, which holds passwords: say only where.
		return nil, fmt.Errorf("reading the registry configuration %s: not valid JSON", path)
	}
	var out []Credential
	for host, a := range cfg.Auths {
		user, pass := a.Username, a.Password
		if a.Auth != "" {
			b, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("reading the registry configuration %s: the auth of %s is not base64", path, registryHost(host))
			}
			user, pass, _ = strings.Cut(string(b), ":")
		}
		if user == "" && pass == "" {
			continue
		}
		h := registryHost(host)
		hosts := []string{h}
		if h == "index.docker.io" || h == "docker.io" {
			hosts = []string{"registry-1.docker.io", "index.docker.io", "docker.io"}
		}
		for _, h := range hosts {
			out = append(out, Credential{URL: "oci://" + h, Username: user, Password: pass})
		}
	}
	return out, nil
}

// registryHost turns a docker config key ("https://index.docker.io/v1/", "host:5000") into
// a registry host.
func registryHost(key string) string {
	if i := strings.Index(key, "://"); i >= 0 {
		key = key[i+3:]
	}
	key, _, _ = strings.Cut(key, "/")
	return key
}

// namedRepository returns the URL of the repository called name.
func namedRepository(creds []Credential, name string) (string, bool) {
	for _, c := range creds {
		if c.Name != "" && c.Name == name {
			return c.URL, true
		}
	}
	return "", false
}

// matchCredential returns the credential for target (a normalized repository URL, see
// repoKey) with the longest URL that is a prefix of target at a path boundary.
func matchCredential(creds []Credential, target string) (Credential, bool) {
	var best Credential
	bestLen := -1
	for _, c := range creds {
		if c.Username == "" && c.Password == "" {
			continue // only a name
		}
		p := credKey(c.URL)
		if p == "" || !strings.HasPrefix(target, p) {
			continue
		}
		if len(target) != len(p) && !strings.HasSuffix(p, "/") && target[len(p)] != '/' {
			continue
		}
		if len(p) > bestLen {
			best, bestLen = c, len(p)
		}
	}
	return best, bestLen >= 0
}

// credKey normalizes a credential URL like the repository URLs it is matched against: OCI
// without scheme, no trailing slash, scheme and host lower case.
func credKey(u string) string {
	if k, err := parseRepo(u); err == nil {
		return k.key
	}
	return strings.TrimSuffix(u, "/")
}
