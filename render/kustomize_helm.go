package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	sigsyaml "sigs.k8s.io/yaml"
)

// inflatedName is the in-memory file, beside a kustomization, that holds what its
// helmCharts render to; the kustomization lists it among its resources instead.
const inflatedName = ".ck8sargo-helmcharts.yaml"

// templateAnnotation carries a chart template's file through kustomize, so that an
// object inflated from helmCharts names its template; it is removed after the build.
const templateAnnotation = "render.ck8sargo.io/template"

// inflateHelmCharts does what kustomize's HelmChartInflationGenerator does with `helm
// pull` and `helm template`, in-process and before the build: for every kustomization
// reachable from dir with helmCharts, each chart is rendered with the engine Helm sources
// use, and the kustomization is rewritten in memory to list the output as a resource
// instead. The objects carry kustomize's helm-generated annotation, so that the namespace
// transformer leaves them to the chart's namespace as it does for generated ones, and
// kustomize removes it. inherited is the namespace kustomize hands a base's charts from
// the nearest kustomization above it that sets one.
func (s *srcRun) inflateHelmCharts(ctx context.Context, fsys *confinedFS, dir, inherited string, seen map[string]bool) error {
	real, err := s.r.resolve(dir)
	if err != nil {
		return err
	}
	if seen[real] {
		return nil
	}
	seen[real] = true
	var kfile string
	for _, name := range kustomizationFiles {
		if st, err := os.Stat(filepath.Join(real, name)); err == nil && st.Mode().IsRegular() {
			kfile = filepath.Join(real, name)
			break
		}
	}
	if kfile == "" {
		return nil
	}
	data, err := fsys.ReadFile(kfile)
	if err != nil {
		return err
	}
	var k types.Kustomization
	if sigsyaml.Unmarshal(data, &k) != nil {
		return nil // kustomize reports it
	}
	namespace := k.Namespace
	if namespace == "" {
		namespace = inherited
	}
	for _, e := range slices.Concat(k.Resources, k.Components) {
		p := filepath.Join(dir, filepath.FromSlash(e))
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			if err := s.inflateHelmCharts(ctx, fsys, p, namespace, seen); err != nil {
				return err
			}
		}
	}
	if len(k.HelmCharts) == 0 {
		return nil
	}
	var globals types.HelmGlobals
	if k.HelmGlobals != nil {
		globals = *k.HelmGlobals
	}
	var nodes []*kyaml.RNode
	for _, c := range k.HelmCharts {
		if c.Namespace == "" {
			c.Namespace = namespace
		}
		n, err := s.inflateChart(ctx, fsys, dir, globals, c)
		if err != nil {
			return fmt.Errorf("helmCharts %s of %s: %w", c.Name, s.r.display(filepath.Join(dir, filepath.Base(kfile))), err)
		}
		nodes = append(nodes, n...)
	}
	var out bytes.Buffer
	if err := (kio.ByteWriter{Writer: &out}).Write(nodes); err != nil {
		return err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil || m == nil {
		return nil
	}
	delete(m, "helmCharts")
	delete(m, "helmGlobals")
	delete(m, "helmChartInflationGenerator")
	res, _ := m["resources"].([]any)
	m["resources"] = append(res, inflatedName)
	edited, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	virtual := filepath.Join(real, inflatedName)
	fsys.overlay[kfile], fsys.overlay[virtual], fsys.virtual[virtual] = edited, out.Bytes(), true
	return nil
}

// inflateChart renders one helmCharts entry as `helm template` runs with the arguments
// HelmChartInflationGenerator gives it (kustomize api v0.21).
func (s *srcRun) inflateChart(ctx context.Context, fsys *confinedFS, kdir string, g types.HelmGlobals, c types.HelmChart) ([]*kyaml.RNode, error) {
	if c.Name == "" {
		return nil, errors.New("chart name cannot be empty")
	}
	if c.NameTemplate != "" {
		return nil, &notRendered{msg: fmt.Sprintf("helmCharts %s sets nameTemplate, which is not rendered here", c.Name)}
	}
	merge := c.ValuesMerge
	if merge == "" {
		merge = "override"
	}
	if !slices.Contains([]string{"merge", "override", "replace"}, merge) {
		return nil, fmt.Errorf("valuesMerge must be one of [merge override replace]")
	}
	home := g.ChartHome
	if home == "" {
		home = types.HelmDefaultHome
	}
	if !filepath.IsAbs(home) {
		home = filepath.Join(kdir, filepath.FromSlash(home))
	}
	if c.Version != "" && c.Repo != "" {
		home = filepath.Join(home, c.Name+"-"+c.Version)
	}
	chartDir := filepath.Join(home, c.Name)
	var chrt *chart.Chart
	if st, err := os.Stat(chartDir); err == nil && st.IsDir() {
		if chrt, err = s.r.loadChart(chartDir); err != nil {
			return nil, err
		}
	} else {
		if c.Repo == "" {
			return nil, fmt.Errorf("no repo specified for pull, no chart found at %s", s.r.display(chartDir))
		}
		if s.r.opts.Charts == nil {
			return nil, &notRendered{msg: fmt.Sprintf("helmCharts %s from %s: charts from Helm repositories are not fetched", c.Name, c.Repo)}
		}
		v := c.Version
		if v == "" && c.Devel {
			v = ">0.0.0-0"
		}
		chrt, err = s.r.opts.Charts.Chart(ctx, c.Repo, c.Name, v)
		if err != nil {
			return nil, chartSourceErr(fmt.Errorf("fetching chart %s %s from %s: %w", c.Name, c.Version, c.Repo, err))
		}
		chartDir = ""
	}
	if m := missingDependencies(chrt); len(m) > 0 {
		return nil, fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(m, ", "))
	}
	// The values file kustomize hands helm: valuesFile, else the chart's values.yaml,
	// merged with valuesInline as valuesMerge says; then additionalValuesFiles.
	var valuesData []byte
	if c.ValuesFile != "" || chartDir != "" {
		vf := c.ValuesFile
		if vf == "" {
			vf = filepath.Join(chartDir, "values.yaml")
		} else if strings.Contains(vf, "://") {
			return nil, &notRendered{msg: fmt.Sprintf("helmCharts %s: values file %s is remote", c.Name, vf)}
		} else if !filepath.IsAbs(vf) {
			vf = filepath.Join(kdir, filepath.FromSlash(vf))
		}
		if merge != "replace" || len(c.ValuesInline) == 0 {
			if err := s.rootOnly(kdir, vf); err != nil {
				return nil, err
			}
			var err error
			if valuesData, err = fsys.ReadFile(vf); err != nil {
				return nil, err
			}
		}
	} else {
		for _, f := range chrt.Raw {
			if f.Name == chartutil.ValuesfileName {
				valuesData = f.Data
			}
		}
	}
	if len(c.ValuesInline) > 0 {
		merged, err := mergeInlineValues(valuesData, c.ValuesInline, merge)
		if err != nil {
			return nil, err
		}
		valuesData = merged
	}
	vals := map[string]any{}
	files := [][]byte{valuesData}
	for _, f := range c.AdditionalValuesFiles {
		p := filepath.Join(kdir, filepath.FromSlash(f))
		if err := s.rootOnly(kdir, p); err != nil {
			return nil, fmt.Errorf("could not load additionalValuesFile: %w", err)
		}
		data, err := fsys.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("could not load additionalValuesFile: %w", err)
		}
		files = append(files, data)
	}
	for _, data := range files {
		var v map[string]any
		if err := sigsyaml.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("a values file is not valid YAML: %w", err)
		}
		vals = mergeMaps(vals, v)
	}
	kubeVersion, apiVersions := s.helmChartsCapabilities(c)
	caps := chartutil.DefaultCapabilities.Copy()
	if kubeVersion != "" {
		v, err := chartutil.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kubeVersion %q: %w", kubeVersion, err)
		}
		caps.KubeVersion = *v
	}
	caps.APIVersions = append(caps.APIVersions, apiVersions...)
	release := c.ReleaseName
	if release == "" {
		// helm template --generate-name
		release = fmt.Sprintf("%s-%d", c.Name, time.Now().Unix())
	}
	namespace := c.Namespace
	if namespace == "" {
		namespace = "default" // helm's namespace without a kubeconfig, as in the repo server
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, err
	}
	rv, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, chartutil.ReleaseOptions{
		Name: release, Namespace: namespace, Revision: 1, IsInstall: true,
	}, caps, false)
	if err != nil {
		return nil, err
	}
	out, err := renderTemplates(ctx, chrt, rv, s.r.opts.MaxFileSize)
	if err != nil {
		return nil, err
	}
	file := s.chartFile(chrt, chartDir, c.Name)
	// The documents are read as kustomize reads helm's output (kio.ByteReader), not
	// re-encoded, so that kustomize sees the same YAML as from `helm template`.
	var objs []*kyaml.RNode
	err = eachRenderedFile(chrt, out, c.IncludeCRDs, s.r.opts.MaxFileSize, func(name string, data []byte) error {
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return fmt.Errorf("%s: the rendered output is not valid YAML: %w", file(name), err)
		}
		for _, n := range nodes {
			hook, isHook := n.GetAnnotations()["helm.sh/hook"]
			// Argo CD does not deploy test hooks (--skip-tests or not); --no-hooks
			// drops every hook.
			if isTestHookValue(hook) || (c.SkipHooks && isHook) {
				continue
			}
			for _, a := range [][2]string{{konfig.HelmGeneratedAnnotation, "true"}, {templateAnnotation, file(name)}} {
				if err := n.PipeE(kyaml.SetAnnotation(a[0], a[1])); err != nil {
					return fmt.Errorf("%s: %w", file(name), err)
				}
			}
			objs = append(objs, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// rootOnly is kustomize's load restriction on the files a kustomization reads: inside its
// own directory unless --load-restrictor LoadRestrictionsNone.
func (s *srcRun) rootOnly(kdir, p string) error {
	if s.r.buildOpt.loadRestrictor == types.LoadRestrictionsNone || inside(kdir, p) {
		return nil
	}
	return fmt.Errorf("security; file %s is not in or below %s", s.r.display(p), s.r.display(kdir))
}

// helmChartsCapabilities are the Kubernetes version and API versions a helmCharts chart
// renders with. Argo CD appends --helm-kube-version and --helm-api-versions from the
// source's kustomize.kubeVersion and kustomize.apiVersions to kustomize.buildOptions
// (util/kustomize parseKustomizeBuildOptions); kustomize's last --helm-kube-version wins
// and its --helm-api-versions add up. The chart's own kubeVersion and apiVersions win
// over both: HelmChartInflationGenerator sets the flags' values first and then reads the
// chart's entry over them.
func (s *srcRun) helmChartsCapabilities(c types.HelmChart) (string, []string) {
	kv, apis := s.r.buildOpt.helmKubeVersion, slices.Clone(s.r.buildOpt.helmAPIVersions)
	if k := s.src.Kustomize; k != nil {
		if k.KubeVersion != "" {
			kv = argoKubeVersion(k.KubeVersion)
		}
		apis = append(apis, k.APIVersions...)
	}
	if c.KubeVersion != "" {
		kv = c.KubeVersion
	}
	if len(c.ApiVersions) > 0 {
		apis = c.ApiVersions
	}
	return kv, apis
}

// argoKubeVersion is the repo server's parseKubeVersion: the semantic part of a
// Kubernetes version ("v1.31.2-eks-1234" is 1.31.2); what does not parse is passed on.
func argoKubeVersion(v string) string {
	if pv, err := version.ParseGeneric(v); err == nil {
		return pv.String()
	}
	return v
}

// mergeInlineValues is HelmChartInflationGenerator's valuesInline handling: override
// (inline over the file), merge (the file over inline) or replace (inline alone), with
// kyaml's merge2 as kustomize does it.
func mergeInlineValues(file []byte, inline map[string]any, mode string) ([]byte, error) {
	if mode == "replace" {
		return sigsyaml.Marshal(inline)
	}
	chValues, err := kyaml.Parse(string(file))
	if err != nil {
		return nil, fmt.Errorf("could not parse values file into rnode: %w", err)
	}
	inlineValues, err := kyaml.FromMap(inline)
	if err != nil {
		return nil, fmt.Errorf("could not parse values inline into rnode: %w", err)
	}
	var outValues *kyaml.RNode
	if mode == "override" {
		outValues, err = merge2.Merge(inlineValues, chValues.Copy(), kyaml.MergeOptions{})
	} else {
		outValues, err = merge2.Merge(chValues, inlineValues.Copy(), kyaml.MergeOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("could not merge values: %w", err)
	}
	m, err := outValues.Map()
	if err != nil {
		return nil, fmt.Errorf("could not parse merged values into map: %w", err)
	}
	return sigsyaml.Marshal(m)
}

// takeTemplateAnnotation removes templateAnnotation from a built object and returns it.
func takeTemplateAnnotation(obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	f, ok := ann[templateAnnotation].(string)
	if !ok {
		return ""
	}
	delete(ann, templateAnnotation)
	if len(ann) == 0 {
		delete(md, "annotations")
	}
	return f
}
