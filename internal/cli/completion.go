package cli

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// completionTimeout bounds the API calls of a completion: a <TAB> must not hang on a
// cluster that does not answer.
const completionTimeout = 3 * time.Second

// registerCompletions adds shell completion of flag values to every command of the tree:
// the formats of -o and the modes of --dry-run (which their flag types know: addOutput,
// addDryRun), the severities of --fail-on (read from its help text, so they cannot drift
// from it), the cluster's namespaces for --namespace and --parent, and the Argo CD
// Applications for the commands that take one. Completions that need the cluster offer
// nothing when it cannot be reached.
func registerCompletions(root *RootOptions, c *cobra.Command) {
	for _, sub := range c.Commands() {
		registerCompletions(root, sub)
	}
	if !c.HasParent() {
		// --namespace is a persistent flag of the root, inherited by every command.
		_ = c.RegisterFlagCompletionFunc("namespace", root.completeNamespaces)
	}
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if _, ok := c.GetFlagCompletionFunc(f.Name); ok {
			return
		}
		var fn cobra.CompletionFunc
		switch f.Name {
		case "parent":
			fn = root.completeNamespaces
		case "output", "fail-on", "dry-run":
			if values := flagValues(f); len(values) > 0 {
				fn = cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
			}
		}
		if fn != nil {
			_ = c.RegisterFlagCompletionFunc(f.Name, fn)
		}
	})
	if c.ValidArgsFunction == nil && c.Runnable() {
		switch c.CommandPath() {
		case "kubectl ck8sargo notify test", "kubectl ck8sargo notify subscribe", "kubectl ck8sargo notify unsubscribe":
			c.ValidArgsFunction = root.completeApplications
		case "kubectl ck8sargo namespace wait", "kubectl ck8sargo namespace delete":
			c.ValidArgsFunction = root.completeNamespaces
		}
	}
}

// valueList is the list a flag's help text ends its first clause with:
// "…severity: error, warning, info or never".
var valueList = regexp.MustCompile(`:\s*([a-z][a-z0-9-]*(?:,\s*[a-z][a-z0-9-]*)*(?:,?\s+or\s+[a-z][a-z0-9-]*)?)\s*(?:$|[(;.])`)

// flagValues are the values of a flag: those its type knows (-o and --dry-run, whose types
// every command shares), else those its help text lists, or nil when it lists none (a file
// name, a bool flag).
func flagValues(f *pflag.Flag) []string {
	if v, ok := f.Value.(interface{ Values() []string }); ok {
		return v.Values()
	}
	if f.Value.Type() == "bool" {
		return nil
	}
	if m := valueList.FindStringSubmatch(f.Usage); m != nil {
		list := strings.ReplaceAll(m[1], " or ", ", ")
		var values []string
		for _, v := range strings.Split(list, ",") {
			if v = strings.TrimSpace(v); v != "" {
				values = append(values, v)
			}
		}
		if len(values) >= 2 {
			return values
		}
	}
	return nil
}

// completeNamespaces offers the namespaces the user may list.
func (o *RootOptions) completeNamespaces(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	c, err := o.Clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(completionContext(cmd), completionTimeout)
	defer cancel()
	list, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, toComplete) {
			names = append(names, ns.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeApplications offers the Applications of the profile's Argo CD namespace; only
// the first argument is an Application.
func (o *RootOptions) completeApplications(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	p, err := o.Profile()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := o.Clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(completionContext(cmd), completionTimeout)
	defer cancel()
	list, err := c.Dynamic.Resource(argocdmanaged.ApplicationsResource).Namespace(p.ArgoCD.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, a := range list.Items {
		if strings.HasPrefix(a.GetName(), toComplete) {
			names = append(names, a.GetName())
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func completionContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
