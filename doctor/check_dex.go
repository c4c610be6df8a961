package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/inputfile"
	"github.com/ck8sargo/ck8sargo/policy"
)

var dexCheck = Check{
	Name:    "dex-login",
	Summary: "the Argo CD CLI's login is not stuck on the known Dex invalid_client issue",
	Run:     runDex,
}

// argocdCLIConfig is the part of the Argo CD CLI's config file that shows a login state.
// Tokens are read only to see whether they are there; they are never shown.
type argocdCLIConfig struct {
	CurrentContext string `json:"current-context"`
	Contexts       []struct {
		Name   string `json:"name"`
		Server string `json:"server"`
		User   string `json:"user"`
	} `json:"contexts"`
	Users []struct {
		Name         string `json:"name"`
		AuthToken    string `json:"auth-token"`
		RefreshToken string `json:"refresh-token"`
	} `json:"users"`
}

func runDex(ctx context.Context, r *Env) (string, bool) {
	path := r.Options.ArgoCDConfig
	if path == "" {
		return "no Argo CD CLI config given", true
	}
	data, err := inputfile.Read(path, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return "the Argo CD CLI is not set up (" + path + " does not exist)", true
	}
	ref := policy.ObjectRef{Kind: "ArgoCDCLIConfig", Name: path}
	var cfg argocdCLIConfig
	if err == nil {
		err = yaml.Unmarshal(data, &cfg)
	}
	if err != nil {
		r.add(policy.Finding{Rule: RuleDexLogin, Severity: policy.SeverityWarning, Object: ref, File: path,
			Message: fmt.Sprintf("cannot read the Argo CD CLI config: %v", err)})
		return "config not readable", false
	}
	for _, c := range cfg.Contexts {
		if c.Name != cfg.CurrentContext {
			continue
		}
		for _, u := range cfg.Users {
			if u.Name == c.User && u.AuthToken == "" && u.RefreshToken == "" {
				r.add(policy.Finding{Rule: RuleDexLogin, Severity: policy.SeverityInfo, Object: ref, File: path,
					Message: fmt.Sprintf("the Argo CD CLI context %q for %s has no token: the last `argocd login --sso` did not finish; with Dex this is often the known issue "+
						`failed to get token: oauth2: "invalid_client" "Invalid client credentials." (argoproj/argo-cd#17088)`, c.Name, c.Server),
					Remediation: "open a new browser tab, enter the Argo CD URL, then run `argocd login --sso` again"})
				return "last login incomplete", false
			}
		}
		return fmt.Sprintf("logged in to %s", c.Server), false
	}
	return "no current Argo CD CLI context", true
}
