package admission_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigyaml "sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/admission"
	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// gatorBinary is the gator CLI that tools/gator/build.sh builds; tests that compare with it
// are skipped under -short and fail without it otherwise.
func gatorBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("compares with the gator CLI; run without -short")
	}
	bin := filepath.Join(testenv.BinDir(), "gator")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the gator CLI is missing (%v): run BINDIR=%s tools/gator/build.sh", err, testenv.BinDir())
	}
	return bin
}

// gatorSync makes gator fill data.inventory with the kinds the templates read.
const gatorSync = `apiVersion: config.gatekeeper.sh/v1alpha1
kind: Config
metadata: {name: config, namespace: gatekeeper-system}
spec:
  sync:
    syncOnly:
    - {group: networking.k8s.io, version: v1, kind: NetworkPolicy}
    - {group: apps, version: v1, kind: Deployment}
    - {group: apps, version: v1, kind: StatefulSet}
    - {group: apps, version: v1, kind: ReplicaSet}
    - {group: "", version: v1, kind: Pod}
    - {group: "", version: v1, kind: ReplicationController}
`

func writeDocs(t testing.TB, file string, objs []admission.Object) {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := sigyaml.Marshal(o)
		require.NoError(t, err)
		b.WriteString("---\n")
		b.Write(y)
	}
	require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))
}

// gatorCorpus covers every built-in template, firing and passing.
const gatorCorpus = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {owner: operator}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: good, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: good}}
  template:
    metadata: {labels: {app: good, tier: web}}
    spec:
      containers:
      - {name: web, image: "harbor.example.com/shop/web:1.2", resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: shop}
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      securityContext: {seccompProfile: {type: Localhost, localhostProfile: x.json}}
      initContainers:
      - {name: init, image: busybox, resources: {requests: {cpu: 10m}}}
      containers:
      - {name: web, image: "nginx:latest", securityContext: {seccompProfile: {type: Localhost, localhostProfile: y.json}}}
      - {name: pinned, image: "quay.io/x/y@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", resources: {requests: {cpu: 1, memory: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: single, namespace: shop, annotations: {elastisys.io/ignore-minimum-replicas: "true"}}
spec:
  replicas: 1
  selector: {matchLabels: {app: single}}
  template:
    metadata: {labels: {app: single}}
    spec:
      containers:
      - {name: web, image: "harbor.example.com/shop/web:1.2", resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: db, image: "docker.io/library/postgres:16", resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}, annotations: {container.seccomp.security.alpha.kubernetes.io/job: localhost/p.json}}
        spec:
          restartPolicy: Never
          containers:
          - {name: job, image: "harbor.example.com/shop/job", resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: shop, labels: {app: lonely}}
spec:
  containers:
  - {name: app, image: "localhost:5000/app:2", resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: operator-pod, namespace: ops}
spec:
  containers:
  - {name: app, image: "nginx"}
---
apiVersion: v1
kind: Pod
metadata: {name: system-pod, namespace: kube-system}
spec:
  containers:
  - {name: app, image: "nginx"}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: good}
    matchExpressions: [{key: tier, operator: In, values: [web, api]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: NotIn, values: [good, bad, lonely, nightly]}, {key: app, operator: Exists}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zero, namespace: shop}
spec: {maxUnavailable: 0, selector: {matchLabels: {app: good}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zero-percent, namespace: shop}
spec: {maxUnavailable: "0%", selector: {matchLabels: {app: good}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: all, namespace: shop}
spec: {minAvailable: "100%", selector: {matchLabels: {app: good}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: too-many, namespace: shop}
spec: {minAvailable: 3, selector: {matchLabels: {app: good}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: fine, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: good}}}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: shop}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: internal, namespace: shop}
spec: {type: ClusterIP, ports: [{port: 80}]}
`

// withoutMutators is p without its mutators, which gator test does not run.
func withoutMutators(p admission.Policies) admission.Policies {
	var pols admission.Policies
	for _, o := range p.Objects {
		if !strings.HasPrefix(o["apiVersion"].(string), admission.MutationsGroup) {
			pols.Objects = append(pols.Objects, o)
		}
	}
	return pols
}

// gatorDir is a directory for gator test: the policies, the objects, and the config that
// syncs data.inventory.
func gatorDir(tb testing.TB, pols admission.Policies, objs []admission.Object) string {
	tb.Helper()
	dir := tb.TempDir()
	writeDocs(tb, filepath.Join(dir, "policies.yaml"), pols.Objects)
	writeDocs(tb, filepath.Join(dir, "objects.yaml"), objs)
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(gatorSync), 0o644))
	return dir
}

// runGator runs gator test on dir and returns its JSON output; a run that finds
// violations exits non-zero with output, any other failure fails the test.
func runGator(tb testing.TB, bin, dir string) []byte {
	tb.Helper()
	cmd := exec.Command(bin, "test", "-f", dir, "-o", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	// gator reads stdin too when it is not a terminal; an empty pipe gives it nothing,
	// whatever the test's stdin (here /dev/null has been seen as a regular file).
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && len(out) > 0) {
		tb.Fatalf("gator test: %v: %s%s", err, out, stderr.String())
	}
	return out
}

type gatorVerdict struct{ Object, Kind, Msg, Action string }

// TestGatekeeperVerdictsMatchGator runs the built-in templates and constraints on the same
// objects with the chain and with the gator CLI (Gatekeeper's own engine, built from the
// module proxy) and compares every verdict: object, constraint kind, message and
// enforcement action. gator does not mutate, so the chain runs without mutators here.
func TestGatekeeperVerdictsMatchGator(t *testing.T) {
	bin := gatorBinary(t)
	p := argocdmanaged.DefaultProfile()
	p.Registries = []string{"harbor.example.com"}
	pols := withoutMutators(admission.Builtin(p))
	objs := objects(t, strings.Split(gatorCorpus, "\n---\n")...)
	out := runGator(t, bin, gatorDir(t, pols, objs))
	var results []struct {
		Msg             string                `json:"msg"`
		EnforcementAct  string                `json:"enforcementAction"`
		Constraint      struct{ Kind string } `json:"constraint"`
		ViolatingObject struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
		} `json:"violatingObject"`
	}
	require.NoError(t, json.Unmarshal(out, &results), string(out))
	var want []gatorVerdict
	for _, r := range results {
		want = append(want, gatorVerdict{Object: r.ViolatingObject.Kind + "/" + r.ViolatingObject.Metadata.Name, Kind: r.Constraint.Kind, Msg: r.Msg, Action: r.EnforcementAct})
	}

	nsLabels := map[string]map[string]string{}
	for _, o := range objs {
		if o["kind"] == "Namespace" {
			m := o["metadata"].(map[string]any)
			l := map[string]string{}
			for k, v := range asStringMap(m["labels"]) {
				l[k] = v
			}
			nsLabels[m["name"].(string)] = l
		}
	}
	c, problems, err := admission.New(context.Background(), pols, admission.Options{Namespaces: nsLabels})
	require.NoError(t, err)
	require.Empty(t, problems)
	res, err := c.Review(context.Background(), objs)
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	action := map[admission.Severity]string{admission.SeverityError: "deny", admission.SeverityWarning: "warn", admission.SeverityInfo: "dryrun"}
	var got []gatorVerdict
	for _, v := range res.Verdicts {
		if v.ViaPod {
			continue // gator judges the objects as given; the chain also judges their Pods
		}
		o := objs[v.Object]
		got = append(got, gatorVerdict{Object: fmt.Sprint(o["kind"]) + "/" + fmt.Sprint(o["metadata"].(map[string]any)["name"]),
			Kind: strings.TrimPrefix(v.Rule, admission.RulePrefixGatekeeper), Msg: v.Message, Action: action[v.Severity]})
	}
	sortVerdicts := func(vs []gatorVerdict) {
		slices.SortFunc(vs, func(a, b gatorVerdict) int {
			return strings.Compare(a.Object+a.Kind+a.Msg, b.Object+b.Kind+b.Msg)
		})
	}
	sortVerdicts(want)
	sortVerdicts(got)
	require.NotEmpty(t, want)
	assert.Equal(t, want, got)
	t.Logf("%d objects, %d verdicts, the same from gator and the chain", len(objs), len(got))
}

func asStringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}
