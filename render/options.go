package render

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// Decrypter decrypts a sops file; name selects the format by its extension. A
// *sops.Client of package secrets/sops is one.
type Decrypter interface {
	Decrypt(ctx context.Context, name string, data []byte) ([]byte, error)
}

// ArgoCDConfig is what of Argo CD's argocd-cm changes rendering: what the repo server
// builds with and what the controller leaves out. The zero value is Argo CD's defaults,
// with the Helm value file schemes not checked. Read it with LoadArgoCDConfig,
// ArgoCDConfigFromConfigMap or LiveArgoCDConfig.
type ArgoCDConfig struct {
	// KustomizeBuildOptions is kustomize.buildOptions: the flags Argo CD passes to
	// `kustomize build` ("--load-restrictor LoadRestrictionsNone", "--enable-helm", ...).
	// Empty takes the profile's argocd.kustomizeBuildOptions.
	KustomizeBuildOptions string
	// ResourceExclusions and ResourceInclusions are resource.exclusions and
	// resource.inclusions: objects of the kinds they exclude are not deployed (Argo CD
	// warns ExcludedResourceWarning), besides the kinds Argo CD always excludes (events,
	// metrics, Leases).
	ResourceExclusions, ResourceInclusions []ResourceFilter
	// HelmValuesFileSchemes is helm.valuesFileSchemes: the URL schemes a Helm value file
	// may have (secrets for helm-secrets, https, ...). Argo CD refuses the others. nil
	// means not known, and schemes are not checked; an argocd-cm without the key gives
	// Argo CD's default, https and http.
	HelmValuesFileSchemes []string
}

// ResourceFilter is one entry of resource.exclusions or resource.inclusions; empty
// fields match everything, and apiGroups and clusters are globs.
type ResourceFilter struct {
	APIGroups []string `json:"apiGroups,omitempty"`
	Kinds     []string `json:"kinds,omitempty"`
	Clusters  []string `json:"clusters,omitempty"`
}

// Options tune rendering. Start from DefaultOptions.
type Options struct {
	// RepoRoot is the checkout of the repository whose sources are rendered. Nothing
	// outside it is ever read (symbolic links are followed and must stay inside).
	RepoRoot string
	// RepoURL is the repository's URL as Applications name it. Sources of other
	// repositories are not rendered (a not-rendered note). Without it no Application
	// source is rendered.
	RepoURL string
	// BaseDir is the directory that the file names of objects and notes are relative to;
	// empty means RepoRoot.
	BaseDir string
	// Profile is the platform profile.
	Profile argocdmanaged.Profile
	// Decrypter, when set, decrypts sops-encrypted secrets:// value files in memory.
	// Every string of at least MinTaintLength characters in the decrypted values is then
	// redacted from notes (see Result.Redact).
	Decrypter Decrypter
	// Timeout is the time budget of one source; past it the source is a render-failed
	// note. 0 means no budget.
	Timeout time.Duration
	// MaxFileSize is the largest file read and the largest rendered output of one source,
	// in bytes; 0 means no limit.
	MaxFileSize int64
	// Offline forbids the network: remote Kustomize bases and charts not in the cache are
	// not-rendered notes.
	Offline bool
	// ArgoCDConfig is the part of argocd-cm that changes rendering.
	ArgoCDConfig ArgoCDConfig
	// Charts fetches charts from Helm repositories and OCI registries and chart
	// dependencies that are not vendored; nil leaves them out (not-rendered notes).
	Charts ChartSource
	// ClusterScoped says whether objects of a kind are cluster-scoped; nil uses the
	// built-in table of Kubernetes kinds and the CustomResourceDefinitions rendered. Kinds
	// it does not know are namespaced, as Argo CD treats unknown kinds.
	ClusterScoped func(schema.GroupKind) bool
}

// DefaultOptions returns the platform's default profile, a 16 MiB file and output limit
// and a render budget of two minutes per source.
func DefaultOptions() Options {
	return Options{Profile: argocdmanaged.DefaultProfile(), MaxFileSize: 16 << 20, Timeout: 2 * time.Minute}
}

// Renderer renders Applications. It is safe for concurrent use.
type Renderer struct {
	opts     Options
	root     string // RepoRoot, absolute and with symbolic links resolved
	rootAbs  string // RepoRoot, absolute as given (the names users see)
	baseDir  string
	repoURL  string // normalised
	buildOpt kustomizeBuildOptions
}

// New checks the options and returns a Renderer.
func New(opts Options) (*Renderer, error) {
	r := &Renderer{opts: opts}
	if opts.RepoRoot != "" {
		abs, err := filepath.Abs(opts.RepoRoot)
		if err != nil {
			return nil, fmt.Errorf("repository root %s: %w", opts.RepoRoot, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("repository root %s: %w", opts.RepoRoot, err)
		}
		r.root, r.rootAbs = real, abs
	}
	if opts.RepoURL != "" {
		if opts.RepoRoot == "" {
			return nil, errors.New("a repository URL needs the repository root")
		}
		r.repoURL = argocdmanaged.NormalizeRepoURL(opts.RepoURL)
	}
	r.baseDir = r.rootAbs
	if opts.BaseDir != "" {
		b, err := filepath.Abs(opts.BaseDir)
		if err != nil {
			return nil, fmt.Errorf("base directory %s: %w", opts.BaseDir, err)
		}
		r.baseDir = b
	}
	// The profile says what the environment's argocd-cm sets when no argocd-cm is given.
	if opts.ArgoCDConfig.KustomizeBuildOptions == "" {
		r.opts.ArgoCDConfig.KustomizeBuildOptions = opts.Profile.ArgoCD.KustomizeBuildOptions
	}
	bo, err := parseKustomizeBuildOptions(r.opts.ArgoCDConfig.KustomizeBuildOptions)
	if err != nil {
		return nil, fmt.Errorf("kustomize.buildOptions: %w", err)
	}
	r.buildOpt = bo
	return r, nil
}
