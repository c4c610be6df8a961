//go:build tools

// Package envtest pins the binaries of the test control plane; see the Makefile's envtest-bin.
package envtest

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
