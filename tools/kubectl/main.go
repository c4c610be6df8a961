// Command kubectl is upstream kubectl built from the k8s.io/kubectl module at the project's
// Kubernetes version: the peer of the backup benchmarks (kubectl apply --server-side).
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
