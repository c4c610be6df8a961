package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
)

// kustomizeSem serialises builds: kustomize keeps global state and is not safe to run
// concurrently. It is a channel, not a mutex, so that a build waiting behind one that is
// stuck (a remote base that never answers) gives up when its own budget ends.
var kustomizeSem = make(chan struct{}, 1)

// kustomizeBuildOptions is what of Argo CD's kustomize.buildOptions is honoured.
type kustomizeBuildOptions struct {
	loadRestrictor types.LoadRestrictions
	enableHelm     bool
	reorder        krusty.ReorderOption
	// helmKubeVersion and helmAPIVersions are --helm-kube-version and
	// --helm-api-versions: the capabilities of every helmCharts chart, over the chart's own.
	helmKubeVersion string
	helmAPIVersions []string
}

// parseKustomizeBuildOptions reads the flags of `kustomize build` that Argo CD's
// kustomize.buildOptions may hold.
func parseKustomizeBuildOptions(s string) (kustomizeBuildOptions, error) {
	o := kustomizeBuildOptions{loadRestrictor: types.LoadRestrictionsRootOnly, reorder: krusty.ReorderOptionUnspecified}
	args := strings.Fields(s)
	for i := 0; i < len(args); i++ {
		flag, val, hasVal := strings.Cut(args[i], "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", flag)
			}
			i++
			return args[i], nil
		}
		switch flag {
		case "--load-restrictor", "--load_restrictor":
			v, err := next()
			if err != nil {
				return o, err
			}
			switch v {
			case "LoadRestrictionsNone", "none":
				o.loadRestrictor = types.LoadRestrictionsNone
			case "LoadRestrictionsRootOnly", "rootOnly":
				o.loadRestrictor = types.LoadRestrictionsRootOnly
			default:
				return o, fmt.Errorf("--load-restrictor %q is not LoadRestrictionsNone or LoadRestrictionsRootOnly", v)
			}
		case "--enable-helm":
			o.enableHelm = val != "false"
		case "--reorder":
			v, err := next()
			if err != nil {
				return o, err
			}
			switch v {
			case "legacy":
				o.reorder = krusty.ReorderOptionLegacy
			case "none":
				o.reorder = krusty.ReorderOptionNone
			default:
				return o, fmt.Errorf("--reorder %q is not legacy or none", v)
			}
		case "--helm-kube-version", "--helm-api-versions":
			v, err := next()
			if err != nil {
				return o, err
			}
			if flag == "--helm-kube-version" {
				o.helmKubeVersion = v
			} else {
				o.helmAPIVersions = append(o.helmAPIVersions, v)
			}
		case "--helm-command", "--helm-debug", "--mount", "--env", "-e", "--network-name":
			if !hasVal && flag != "--helm-debug" {
				if _, err := next(); err != nil {
					return o, err
				}
			}
		}
		// Other flags (--enable-alpha-plugins, --enable-exec, --network, ...) run
		// programs; they are not honoured, and a kustomization needing them fails.
	}
	return o, nil
}

// kustomize builds an overlay in-process as Argo CD runs `kustomize build`, after applying
// the Application's kustomize options to a copy of the kustomization in memory as Argo CD
// applies them with `kustomize edit`.
func (s *srcRun) kustomize(ctx context.Context) ([]Object, error) {
	r := s.r
	kfile := ""
	for _, name := range kustomizationFiles {
		if _, err := os.Lstat(filepath.Join(s.dir, name)); err == nil {
			kfile = filepath.Join(s.dir, name)
			break
		}
	}
	if kfile == "" {
		return nil, errors.New("kustomization file not found in the path")
	}
	fsys := &confinedFS{FileSystem: filesys.MakeFsOnDisk(), r: r, overlay: map[string][]byte{}, virtual: map[string]bool{}}
	if k := s.src.Kustomize; k != nil {
		data, err := r.readFile(kfile)
		if err != nil {
			return nil, err
		}
		edited, err := s.editKustomization(data, k)
		if err != nil {
			return nil, fmt.Errorf("applying the Application's kustomize options: %w", err)
		}
		real, _ := r.resolve(kfile)
		fsys.overlay[real] = edited
	}
	remote, helmCharts, err := s.scanKustomization(fsys, s.dir, map[string]bool{})
	if err != nil {
		return nil, err
	}
	if len(remote) > 0 && r.opts.Offline {
		return nil, &notRendered{msg: fmt.Sprintf("its remote Kustomize bases %s are not fetched offline", strings.Join(remote, ", "))}
	}
	if len(helmCharts) > 0 {
		if !r.buildOpt.enableHelm {
			return nil, fmt.Errorf("%s has helmCharts, which need --enable-helm in kustomize.buildOptions", r.display(helmCharts[0]))
		}
		// Inflated before kustomize runs, outside its lock: fetching a chart can take a
		// while and needs no kustomize state.
		if err := s.inflateHelmCharts(ctx, fsys, s.dir, "", map[string]bool{}); err != nil {
			return nil, err
		}
	}
	fsys.remote = len(remote) > 0
	select {
	case kustomizeSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = r.buildOpt.loadRestrictor
	opts.Reorder = r.buildOpt.reorder
	resMap, err := krusty.MakeKustomizer(opts).Run(fsys, s.dir)
	<-kustomizeSem
	if err != nil {
		return nil, err
	}
	data, err := resMap.AsYaml()
	if err != nil {
		return nil, err
	}
	if max := r.opts.MaxFileSize; max > 0 && int64(len(data)) > max {
		return nil, fmt.Errorf("the rendered output is %s, more than the limit of %s", inputfile.HumanSize(int64(len(data))), inputfile.HumanSize(max))
	}
	objs, err := parseRendered(r.display(kfile), data)
	if err != nil {
		return nil, err
	}
	for i := range objs {
		if f := takeTemplateAnnotation(objs[i].Content); f != "" {
			objs[i].File = f
		}
	}
	return objs, nil
}

// editKustomization applies spec.source.kustomize to a kustomization as the `kustomize
// edit` commands of Argo CD's util/kustomize do.
func (s *srcRun) editKustomization(data []byte, k *kustomizeSource) ([]byte, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the kustomization is not valid YAML: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	env := s.argoEnv()
	if k.NamePrefix != "" {
		m["namePrefix"] = k.NamePrefix
	}
	if k.NameSuffix != "" {
		m["nameSuffix"] = k.NameSuffix
	}
	for _, img := range k.Images {
		setImage(m, envsubst(img, env))
	}
	for _, rep := range k.Replicas {
		count := strings.Trim(string(rep.Count), `"`)
		var n int
		if _, err := fmt.Sscanf(count, "%d", &n); err != nil {
			return nil, fmt.Errorf("replicas %s: count %s is not a number", rep.Name, count)
		}
		setNamed(m, "replicas", map[string]any{"name": rep.Name, "count": n})
	}
	if len(k.CommonLabels) > 0 {
		if k.LabelWithoutSelector {
			entry := map[string]any{"pairs": toAny(k.CommonLabels)}
			if k.LabelIncludeTemplates {
				entry["includeTemplates"] = true
			}
			labels, _ := m["labels"].([]any)
			m["labels"] = append(labels, entry)
		} else if err := addPairs(m, "commonLabels", k.CommonLabels, k.ForceCommonLabels, nil); err != nil {
			return nil, err
		}
	}
	if len(k.CommonAnnotations) > 0 {
		var sub map[string]string
		if k.CommonAnnotationsEnvsubst {
			sub = env
		}
		if err := addPairs(m, "commonAnnotations", k.CommonAnnotations, k.ForceCommonAnnotations, sub); err != nil {
			return nil, err
		}
	}
	if k.Namespace != "" {
		m["namespace"] = k.Namespace
	}
	if len(k.Patches) > 0 {
		patches, _ := m["patches"].([]any)
		for _, p := range k.Patches {
			patches = append(patches, p)
		}
		m["patches"] = patches
	}
	if len(k.Components) > 0 {
		comps, _ := m["components"].([]any)
		for _, c := range k.Components {
			if k.IgnoreMissingComponents {
				if _, err := s.r.resolve(filepath.Join(s.dir, filepath.FromSlash(c))); err != nil {
					continue
				}
			}
			if !slices.Contains(comps, any(c)) {
				comps = append(comps, c)
			}
		}
		m["components"] = comps
	}
	return yaml.Marshal(m)
}

// argoEnv is the build environment Argo CD gives a source.
func (s *srcRun) argoEnv() map[string]string {
	return map[string]string{
		"ARGOCD_APP_NAME":                   s.app.Name,
		"ARGOCD_APP_NAMESPACE":              s.spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME":           s.spec.Project,
		"ARGOCD_APP_SOURCE_REPO_URL":        s.src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            s.src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": s.src.TargetRevision,
	}
}

// envsubst replaces $VAR and ${VAR} with the build environment, leaving unknown ones.
func envsubst(s string, env map[string]string) string {
	return os.Expand(s, func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return "$" + k
	})
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// addPairs is `kustomize edit add label|annotation`: a key already there is an error
// unless forced.
func addPairs(m map[string]any, field string, pairs map[string]string, force bool, env map[string]string) error {
	cur, _ := m[field].(map[string]any)
	if cur == nil {
		cur = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(pairs)) {
		if _, ok := cur[k]; ok && !force {
			return fmt.Errorf("%s %s already in kustomization file; use forceCommon%s to overwrite it", strings.TrimPrefix(field, "common"), k, strings.TrimPrefix(field, "common"))
		}
		v := pairs[k]
		if env != nil {
			v = envsubst(v, env)
		}
		cur[k] = v
	}
	m[field] = cur
	return nil
}

// setImage is `kustomize edit set image`: name=newName:tag, name:tag, name@digest or
// name=newName@digest replaces the images entry of that name.
func setImage(m map[string]any, spec string) {
	name, rest, renamed := strings.Cut(spec, "=")
	entry := map[string]any{}
	ref := rest
	if !renamed {
		ref = spec
		name = ""
	}
	if at := strings.Index(ref, "@"); at >= 0 {
		entry["digest"] = ref[at+1:]
		ref = ref[:at]
	} else if c := strings.LastIndex(ref, ":"); c >= 0 && !strings.Contains(ref[c:], "/") {
		entry["newTag"] = ref[c+1:]
		ref = ref[:c]
	}
	if renamed {
		entry["newName"] = ref
	} else {
		name = ref
	}
	entry["name"] = name
	setNamed(m, "images", entry)
}

// setNamed replaces the entry of a list field with the same name, or appends it.
func setNamed(m map[string]any, field string, entry map[string]any) {
	list, _ := m[field].([]any)
	for i, e := range list {
		if em, ok := e.(map[string]any); ok && em["name"] == entry["name"] {
			list[i] = entry
			m[field] = list
			return
		}
	}
	m[field] = append(list, entry)
}

// scanKustomization walks the local kustomizations reachable from dir and returns the
// remote bases and the files with helmCharts, without touching the network.
func (s *srcRun) scanKustomization(fsys *confinedFS, dir string, seen map[string]bool) (remote, helmCharts []string, err error) {
	real, err := s.r.resolve(dir)
	if err != nil {
		return nil, nil, err
	}
	if seen[real] {
		return nil, nil, nil
	}
	seen[real] = true
	var kfile string
	for _, name := range kustomizationFiles {
		if _, err := os.Stat(filepath.Join(real, name)); err == nil {
			kfile = filepath.Join(real, name)
			break
		}
	}
	if kfile == "" {
		return nil, nil, nil
	}
	data, err := fsys.ReadFile(kfile)
	if err != nil {
		return nil, nil, err
	}
	var k struct {
		Resources  []string `yaml:"resources"`
		Bases      []string `yaml:"bases"`
		Components []string `yaml:"components"`
		HelmCharts []any    `yaml:"helmCharts"`
	}
	if yaml.Unmarshal(data, &k) != nil {
		return nil, nil, nil // kustomize reports it
	}
	if len(k.HelmCharts) > 0 {
		helmCharts = append(helmCharts, filepath.Join(dir, filepath.Base(kfile)))
	}
	for _, e := range slices.Concat(k.Resources, k.Bases, k.Components) {
		p := filepath.Join(dir, filepath.FromSlash(e))
		if _, err := os.Lstat(p); err == nil {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				rm, hc, err := s.scanKustomization(fsys, p, seen)
				if err != nil {
					return nil, nil, err
				}
				remote, helmCharts = append(remote, rm...), append(helmCharts, hc...)
			}
			continue
		}
		if looksRemote(e) {
			remote = append(remote, e)
		}
	}
	return remote, helmCharts, nil
}

// looksRemote says whether a kustomization entry that is not a local path is a URL or a
// git repository, as kustomize would try to fetch it.
func looksRemote(e string) bool {
	if strings.Contains(e, "://") || strings.HasPrefix(e, "git@") || strings.Contains(e, "?ref=") {
		return true
	}
	first, _, _ := strings.Cut(e, "/")
	return strings.Contains(first, ".") && !strings.HasPrefix(first, ".")
}

// confinedFS is the disk as kustomize sees it: every path is resolved, links included,
// and must be inside the repository (or, for a build with remote bases, a directory
// kustomize cloned into); only regular files are read, within the size limit; edited
// kustomizations are read from memory.
type confinedFS struct {
	filesys.FileSystem
	r       *Renderer
	overlay map[string][]byte // real path → content
	// virtual are the overlay files that are not on disk: the inflated helmCharts.
	virtual map[string]bool
	remote  bool
}

func (f *confinedFS) check(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if f.remote && f.inClone(abs) {
		return abs, nil
	}
	real, err := f.r.resolve(abs)
	if err != nil && len(f.virtual) > 0 && errors.Is(err, fs.ErrNotExist) {
		if dir, derr := f.r.resolve(filepath.Dir(abs)); derr == nil && f.virtual[filepath.Join(dir, filepath.Base(abs))] {
			return filepath.Join(dir, filepath.Base(abs)), nil
		}
	}
	return real, err
}

// inClone says whether p is in a temporary directory where kustomize clones a remote
// base (os.MkdirTemp("", "kustomize-")).
func (f *confinedFS) inClone(p string) bool {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		real = p
	}
	rel, err := filepath.Rel(tmp, real)
	return err == nil && strings.HasPrefix(rel, "kustomize-") && !strings.Contains(rel, "..")
}

func (f *confinedFS) Open(p string) (filesys.File, error) {
	real, err := f.check(p)
	if err != nil {
		return nil, err
	}
	if st, err := inputfile.Check(real); err != nil && (st == nil || !st.IsDir()) {
		return nil, f.r.fileErr(p, err)
	}
	return f.FileSystem.Open(real)
}

func (f *confinedFS) ReadFile(p string) ([]byte, error) {
	real, err := f.check(p)
	if err != nil {
		return nil, err
	}
	data, ok := f.overlay[real]
	if !ok {
		data, err = inputfile.Read(real, f.r.opts.MaxFileSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: %w", f.r.display(p), fs.ErrNotExist)
			}
			return nil, f.r.fileErr(p, err)
		}
	}
	if slices.Contains(kustomizationFiles, filepath.Base(real)) {
		data = fixDeprecated(f, filepath.Dir(real), data)
	}
	return data, nil
}

// fixDeprecated rewrites the deprecated fields of a kustomization (commonLabels, bases,
// patchesStrategicMerge, ...) as `kustomize edit fix` does (kustomize's own
// FixKustomizationPreMarshalling), because kustomize prints a warning about each to the
// process's standard error, and a library must not print. The patch files it reads are
// read through fsys, confined.
func fixDeprecated(fsys *confinedFS, dir string, data []byte) []byte {
	var k types.Kustomization
	if sigsyaml.UnmarshalStrict(data, &k) != nil {
		return data
	}
	if w := k.CheckDeprecatedFields(); w == nil || len(*w) == 0 {
		return data
	}
	k.FixKustomization()
	if err := k.FixKustomizationPreMarshalling(dirFS{fsys, dir}); err != nil {
		return data
	}
	out, err := sigsyaml.Marshal(&k)
	if err != nil {
		return data
	}
	return out
}

// dirFS resolves relative paths against a kustomization's directory, as `kustomize edit
// fix` runs in it.
type dirFS struct {
	*confinedFS
	dir string
}

func (d dirFS) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.dir, p)
}

func (d dirFS) ReadFile(p string) ([]byte, error) { return d.confinedFS.ReadFile(d.abs(p)) }

func (d dirFS) Exists(p string) bool { return d.confinedFS.Exists(d.abs(p)) }

func (d dirFS) IsDir(p string) bool { return d.confinedFS.IsDir(d.abs(p)) }

func (f *confinedFS) ReadDir(p string) ([]string, error) {
	real, err := f.check(p)
	if err != nil {
		return nil, err
	}
	return f.FileSystem.ReadDir(real)
}

func (f *confinedFS) IsDir(p string) bool {
	real, err := f.check(p)
	return err == nil && !f.virtual[real] && f.FileSystem.IsDir(real)
}

func (f *confinedFS) Exists(p string) bool {
	real, err := f.check(p)
	return err == nil && (f.virtual[real] || f.FileSystem.Exists(real))
}

func (f *confinedFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	real, err := f.check(p)
	if err != nil {
		return "", "", err
	}
	if f.virtual[real] {
		return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
	}
	return f.FileSystem.CleanedAbs(p)
}

func (f *confinedFS) Glob(pattern string) ([]string, error) {
	m, err := f.FileSystem.Glob(pattern)
	return slices.DeleteFunc(m, func(p string) bool { _, err := f.check(p); return err != nil }), err
}

func (f *confinedFS) Walk(p string, fn filepath.WalkFunc) error {
	if _, err := f.check(p); err != nil {
		return err
	}
	return f.FileSystem.Walk(p, func(path string, info fs.FileInfo, err error) error {
		if err == nil {
			if _, cerr := f.check(path); cerr != nil {
				return cerr
			}
		}
		return fn(path, info, err)
	})
}
