package render

import (
	"encoding/json"
)

// The parts of an Application that rendering reads, as Argo CD v3.5's v1alpha1 types
// name them.
type appSpec struct {
	Source      *appSource  `json:"source"`
	Sources     []appSource `json:"sources"`
	Destination struct {
		Server    string `json:"server"`
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"destination"`
	Project string `json:"project"`
}

type appSource struct {
	RepoURL        string           `json:"repoURL"`
	Path           string           `json:"path"`
	TargetRevision string           `json:"targetRevision"`
	Chart          string           `json:"chart"`
	Ref            string           `json:"ref"`
	Name           string           `json:"name"`
	Helm           *helmSource      `json:"helm"`
	Kustomize      *kustomizeSource `json:"kustomize"`
	Directory      *directorySource `json:"directory"`
	Plugin         *pluginSource    `json:"plugin"`
}

type helmSource struct {
	ValueFiles              []string        `json:"valueFiles"`
	Values                  string          `json:"values"`
	ValuesObject            json.RawMessage `json:"valuesObject"`
	Parameters              []helmParameter `json:"parameters"`
	FileParameters          []helmFileParam `json:"fileParameters"`
	ReleaseName             string          `json:"releaseName"`
	Namespace               string          `json:"namespace"`
	PassCredentials         bool            `json:"passCredentials"`
	IgnoreMissingValueFiles bool            `json:"ignoreMissingValueFiles"`
	SkipCrds                bool            `json:"skipCrds"`
	SkipSchemaValidation    bool            `json:"skipSchemaValidation"`
	SkipTests               bool            `json:"skipTests"`
	Version                 string          `json:"version"`
	KubeVersion             string          `json:"kubeVersion"`
	APIVersions             []string        `json:"apiVersions"`
}

type helmParameter struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	ForceString bool   `json:"forceString"`
}

type helmFileParam struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

type kustomizeSource struct {
	NamePrefix                string            `json:"namePrefix"`
	NameSuffix                string            `json:"nameSuffix"`
	Images                    []string          `json:"images"`
	CommonLabels              map[string]string `json:"commonLabels"`
	CommonAnnotations         map[string]string `json:"commonAnnotations"`
	CommonAnnotationsEnvsubst bool              `json:"commonAnnotationsEnvsubst"`
	ForceCommonLabels         bool              `json:"forceCommonLabels"`
	ForceCommonAnnotations    bool              `json:"forceCommonAnnotations"`
	LabelWithoutSelector      bool              `json:"labelWithoutSelector"`
	LabelIncludeTemplates     bool              `json:"labelIncludeTemplates"`
	Namespace                 string            `json:"namespace"`
	Replicas                  []struct {
		Name  string          `json:"name"`
		Count json.RawMessage `json:"count"`
	} `json:"replicas"`
	Patches                 []map[string]any `json:"patches"`
	Components              []string         `json:"components"`
	IgnoreMissingComponents bool             `json:"ignoreMissingComponents"`
	KubeVersion             string           `json:"kubeVersion"`
	APIVersions             []string         `json:"apiVersions"`
}

type directorySource struct {
	Recurse bool           `json:"recurse"`
	Include string         `json:"include"`
	Exclude string         `json:"exclude"`
	Jsonnet jsonnetOptions `json:"jsonnet"`
}

type jsonnetOptions struct {
	ExtVars []jsonnetVar `json:"extVars"`
	TLAs    []jsonnetVar `json:"tlas"`
	Libs    []string     `json:"libs"`
}

type jsonnetVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Code  bool   `json:"code"`
}

type pluginSource struct {
	Name string `json:"name"`
}

// allSources is spec.sources when given, else spec.source, as Argo CD reads them.
func (s *appSpec) allSources() []appSource {
	if len(s.Sources) > 0 {
		return s.Sources
	}
	if s.Source != nil {
		return []appSource{*s.Source}
	}
	return nil
}

// describe names a source in notes: its repoURL with path or chart.
func (s appSource) describe() string {
	switch {
	case s.Chart != "":
		return s.RepoURL + " chart " + s.Chart
	case s.Path != "":
		return s.RepoURL + " path " + s.Path
	}
	return s.RepoURL
}
