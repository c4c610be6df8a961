package main

// The demo repository: an Application that breaks the platform's rules, the same one fixed,
// a chart values file with a secret, and a Secret to seal.
const (
	badApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-web
  namespace: argocd-system
spec:
  project: default
  source:
    repoURL: https://github.com/example/shop.git
    path: deploy
  destination:
    server: https://kubernetes.default.svc
    namespace: shop-web
  syncPolicy:
    syncOptions: [CreateNamespace=true]
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop-web
`
	goodApp = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: shop
  namespace: argocd-system
spec:
  sourceRepos: [https://github.com/example/*]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: shop*
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd-system
spec:
  project: shop
  source:
    repoURL: https://github.com/example/shop.git
    path: chart
    helm:
      valueFiles: [values.yaml]
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`
	webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: harbor.example.com/shop/web:1.0.0
          resources:
            requests: {cpu: 100m, memory: 128Mi}
`
	secretValues = "database:\n  password: s3cr3t-demo-value\n"
	secretToSeal = `apiVersion: v1
kind: Secret
metadata:
  name: api-token
  namespace: shop
stringData:
  token: demo-token-value
`
)

// steps is the demo, in order; each command group shows what it does. Arguments may use
// {work} (the scratch directory), {recipient} (the age recipient made by keygen) and
// {backup} (the newest backup's name).
func steps() []step {
	return []step{
		{title: "the plugin, found by kubectl on PATH", as: "developer", kubectl: true, args: []string{"version"}},

		// profile
		{title: "the built-in platform profile", as: "developer", args: []string{"profile", "show"}},
		{title: "discover the environment: the managed namespaces come from Argo CD's cluster Secret", as: "admin", args: []string{"profile", "discover"}},
		{title: "the same as the restricted developer: what your rights hide is a warning, not a failure", as: "developer", args: []string{"profile", "discover", "-o", "yaml"}},
		{
			title: "a profile with a typo is refused with the key and its line", as: "developer",
			files: map[string]string{"typo.yaml": "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd:\n  namespce: argocd-system\n"},
			args:  []string{"profile", "show", "--profile", "typo.yaml"}, wantExit: 2,
		},

		// namespaces
		{title: "create a subnamespace and wait until Argo CD may deploy into it (the wait reads Argo CD's cluster Secret, a right developers request)", as: "admin", args: []string{"namespace", "create", "shop-web", "--parent", "shop", "--wait=2m"}},
		{title: "the namespaces, as a tree, and whether Argo CD manages them", as: "admin", args: []string{"namespace", "list"}},
		// After namespace create, so that the profile's managed namespaces include the new
		// one and policy check judges Applications for it as Argo CD will.
		{title: "write .ck8sargo.yaml from what was discovered, the new namespace included", as: "admin", args: []string{"profile", "init", "--discover"}},

		// policy
		{
			title: "policy check finds what Argo CD would refuse in namespaced mode", as: "developer",
			files: map[string]string{"apps/shop-web.yaml": badApp},
			args:  []string{"policy", "check", "apps/shop-web.yaml"}, wantExit: 1,
		},
		{
			title: "the fixed Application passes", as: "developer",
			files: map[string]string{"apps/shop.yaml": goodApp},
			args:  []string{"policy", "check", "apps/shop.yaml"},
		},
		{title: "the rules, with why and how to fix", as: "developer", args: []string{"policy", "rules"}},

		// secrets: helm-secrets with sops
		{title: "generate an age key for helm-secrets (private key 0600, outside the repository)", as: "developer", args: []string{"secrets", "keygen", "--type", "age", "--out", "{work}/keys"}},
		{title: "a .sops.yaml creation rule for it", as: "developer", args: []string{"secrets", "init", "--key", "{recipient}"}},
		{
			title: "encrypt the chart's secret values in place", as: "developer",
			files: map[string]string{"chart/secrets.yaml": secretValues},
			args:  []string{"secrets", "encrypt", "--in-place", "chart/secrets.yaml"},
		},
		{title: "the file is encrypted for the recipients .sops.yaml names", as: "developer", args: []string{"secrets", "status", "chart/secrets.yaml"}},
		{title: "reference it from the Application as secrets://", as: "developer", args: []string{"secrets", "wire", "apps/shop.yaml", "--values-file", "secrets.yaml"}},
		{title: "the pre-commit scan: nothing in plaintext", as: "developer", args: []string{"secrets", "scan", "chart", "apps/shop.yaml"}},
		{title: "the helm-secrets-private-keys Secret, applied as the developer", as: "developer", args: []string{"secrets", "key-secret", "--private-key", "{work}/keys/key.txt", "--apply"}},

		// secrets: SealedSecrets, with the real controller
		{
			title: "seal a Secret with the certificate fetched through the API server's service proxy", as: "developer", needs: "sealed-secrets",
			files: map[string]string{"secret.yaml": secretToSeal},
			args:  []string{"secrets", "seal", "-f", "secret.yaml"}, saveAs: "apps/api-token-sealed.yaml",
		},
		{title: "the controller can unseal it", as: "developer", needs: "sealed-secrets", args: []string{"secrets", "verify-sealed", "apps/api-token-sealed.yaml"}},

		// notifications
		{title: "install two catalog triggers and their templates", as: "developer", args: []string{"notify", "catalog", "--install", "--only", "on-sync-failed,on-deployed"}},
		{
			title: "an email service, its password stored in the notifications Secret", as: "developer",
			files: map[string]string{"../keys/smtp-password.txt": "demo-smtp-password"},
			args:  []string{"notify", "service", "add", "email", "--host", "smtp.example.com", "--port", "587", "--from", "argocd@example.com", "--username", "argocd", "--password-file", "{work}/keys/smtp-password.txt"},
		},
		{title: "deploy the Application (plain kubectl)", as: "developer", raw: true, args: []string{"kubectl", "apply", "-f", "apps/shop.yaml"}},
		{title: "subscribe the team to failed syncs", as: "developer", args: []string{"notify", "subscribe", "shop", "--trigger", "on-sync-failed", "--service", "email", "--recipient", "team@example.com"}},
		{title: "lint the live configuration as the controller would read it", as: "developer", args: []string{"notify", "lint"}},
		{title: "which triggers fire for the Application, and what each recipient would get", as: "developer", args: []string{"notify", "test", "shop"}},

		// backup
		{title: "export the team's Argo CD objects, Secrets encrypted to the team key", as: "admin", args: []string{"backup", "export", "--to", "file://{work}/backups", "--encrypt-to", "{recipient}"}},
		{title: "the backups in the store", as: "admin", args: []string{"backup", "list", "--from", "file://{work}/backups"}},
		{title: "verify it with the identity", as: "admin", args: []string{"backup", "verify", "{backup}", "--from", "file://{work}/backups", "--identity", "{work}/keys/key.txt"}},
		{title: "rehearse the restore (server-side dry run)", as: "admin", args: []string{"backup", "restore", "{backup}", "--from", "file://{work}/backups", "--identity", "{work}/keys/key.txt", "--dry-run=server"}},

		// doctor and go-live
		{title: "doctor: what is wrong with this environment (here: no repo server runs)", as: "developer", args: []string{"doctor", "--discover", "--repo", "."}, wantExit: 1},
		{
			title: "the go-live checklist, from the manifests and the cluster", as: "developer",
			files: map[string]string{"deploy/web.yaml": webDeployment},
			args:  []string{"golive", "deploy", "--live"}, wantExit: 1,
		},
	}
}
