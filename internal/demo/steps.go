package main

// steps is the demo, in order. Each command group adds the steps that show it.
func steps() []step {
	return []step{
		{title: "the plugin, found by kubectl on PATH", as: "developer", kubectl: true, args: []string{"version"}},
		{title: "the built-in platform profile", as: "developer", args: []string{"profile", "show"}},
		{title: "discover the environment: the managed namespaces come from Argo CD's cluster Secret", as: "admin", args: []string{"profile", "discover"}},
		{title: "the same as the restricted developer: what your rights hide is a warning, not a failure", as: "developer", args: []string{"profile", "discover", "-o", "yaml"}},
		{title: "write .ck8sargo.yaml from what was discovered", as: "admin", args: []string{"profile", "init", "--discover"}},
		{title: "the profile now in the repository, with the source of each value", as: "developer", args: []string{"profile", "show"}},
		{
			title: "a profile with a typo is refused with the key and its line", as: "developer",
			files: map[string]string{"typo.yaml": "apiVersion: ck8sargo.io/v1alpha1\nkind: Profile\nargocd:\n  namespce: argocd-system\n"},
			args:  []string{"profile", "show", "--profile", "typo.yaml"}, wantExit: 2,
		},
	}
}
