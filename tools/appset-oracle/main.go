// Command appset-oracle generates the Applications of ApplicationSets with Argo CD's own
// ApplicationSet controller code (generators, template rendering, templatePatch), for the
// differential test of render/appset. It reads a JSON request on stdin and writes a JSON
// answer on stdout; see request and answer below.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-cd/v3/applicationset/controllers/template"
	"github.com/argoproj/argo-cd/v3/applicationset/generators"
	"github.com/argoproj/argo-cd/v3/applicationset/utils"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
)

// request is one batch of cases.
type request struct {
	Cases []requestCase `json:"cases"`
}

type requestCase struct {
	Name string `json:"name"`
	// AppSet is the ApplicationSet, YAML or JSON.
	AppSet string `json:"appSet"`
	// RepoDir is a git work tree with everything committed; "" for none.
	RepoDir string `json:"repoDir"`
	// Namespace is the Argo CD namespace.
	Namespace string `json:"namespace"`
	// ClusterName, ClusterServer and ClusterLabels describe the one cluster Secret.
	ClusterName   string            `json:"clusterName"`
	ClusterServer string            `json:"clusterServer"`
	ClusterLabels map[string]string `json:"clusterLabels"`
}

type answer struct {
	Name         string            `json:"name"`
	Applications []json.RawMessage `json:"applications"`
	Error        string            `json:"error,omitempty"`
}

func main() {
	log.SetLevel(log.PanicLevel)
	log.SetOutput(io.Discard)
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "appset-oracle: reading request:", err)
		os.Exit(2)
	}
	out := make([]answer, 0, len(req.Cases))
	for _, c := range req.Cases {
		out = append(out, generate(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "appset-oracle: writing answer:", err)
		os.Exit(2)
	}
}

func generate(c requestCase) (a answer) {
	a.Name = c.Name
	defer func() {
		if r := recover(); r != nil {
			a.Applications = nil
			a.Error = fmt.Sprintf("panic: %v", r)
		}
	}()
	var appSet v1alpha1.ApplicationSet
	if err := yaml.Unmarshal([]byte(c.AppSet), &appSet); err != nil {
		a.Error = "decoding ApplicationSet: " + err.Error()
		return a
	}
	scheme := runtime.NewScheme()
	_ = corev1.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	objs := []client.Object{&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cluster-" + c.ClusterName, Namespace: c.Namespace, Labels: c.ClusterLabels},
		Data:       map[string][]byte{"name": []byte(c.ClusterName), "server": []byte(c.ClusterServer)},
	}}
	if p := appSet.Spec.Template.Spec.Project; p != "" && !strings.Contains(p, "{{") {
		objs = append(objs, &v1alpha1.AppProject{ObjectMeta: metav1.ObjectMeta{Name: p, Namespace: c.Namespace}})
	}
	cl := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	repos := localRepos{root: c.RepoDir}
	terminal := map[string]generators.Generator{
		"List":     generators.NewListGenerator(),
		"Clusters": generators.NewClusterGenerator(cl, c.Namespace),
		"Git":      generators.NewGitGenerator(repos, c.Namespace),
	}
	nested := map[string]generators.Generator{
		"List":     terminal["List"],
		"Clusters": terminal["Clusters"],
		"Git":      terminal["Git"],
		"Matrix":   generators.NewMatrixGenerator(terminal),
		"Merge":    generators.NewMergeGenerator(terminal),
	}
	top := map[string]generators.Generator{
		"List":     terminal["List"],
		"Clusters": terminal["Clusters"],
		"Git":      terminal["Git"],
		"Matrix":   generators.NewMatrixGenerator(nested),
		"Merge":    generators.NewMergeGenerator(nested),
	}
	apps, _, err := template.GenerateApplications(log.NewEntry(log.StandardLogger()), appSet, top, &utils.Render{}, cl)
	if err != nil {
		a.Error = err.Error()
	}
	for i := range apps {
		b, merr := json.Marshal(&apps[i])
		if merr != nil {
			a.Error = "encoding Application: " + merr.Error()
			return a
		}
		a.Applications = append(a.Applications, b)
	}
	return a
}

// localRepos serves the git generators from a local work tree as Argo CD's repo server does:
// directories as GetGitDirectories walks them (hidden directories skipped), files as
// `git ls-files --full-name -z -- PATTERN` lists them (the default, old globbing).
type localRepos struct{ root string }

func (r localRepos) GetFiles(ctx context.Context, _, _, _, pattern string, _ bool, _ *v1alpha1.SourceIntegrity) (map[string][]byte, error) {
	if pattern == "" {
		pattern = "."
	}
	cmd := exec.CommandContext(ctx, "git", "ls-files", "--full-name", "-z", "--", pattern)
	cmd.Dir = r.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	ss := strings.Split(string(out), "\x00")
	res := map[string][]byte{}
	for _, f := range ss[:len(ss)-1] {
		b, err := os.ReadFile(filepath.Join(r.root, f))
		if err != nil {
			return nil, err
		}
		res[f] = b
	}
	return res, nil
}

func (r localRepos) GetDirectories(_ context.Context, _, _, _ string, _ bool, _ *v1alpha1.SourceIntegrity) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(r.root, func(path string, entry fs.DirEntry, fnErr error) error {
		if fnErr != nil {
			return fmt.Errorf("error walking the file tree: %w", fnErr)
		}
		if !entry.IsDir() {
			return nil
		}
		if strings.HasPrefix(entry.Name(), ".") {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(r.root, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		paths = append(paths, rel)
		return nil
	})
	return paths, err
}
