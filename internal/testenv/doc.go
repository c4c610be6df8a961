// Package testenv starts a real kube-apiserver and etcd, installs the real Argo CD CRDs and
// lays the cluster out like the managed platform: the Argo CD namespace with its cluster
// Secret, two tenant namespaces, platform namespaces labelled owner=operator, and a
// restricted developer identity with only the rights the platform's documentation gives.
//
// The binaries are built by `make envtest-bin` into BinDir; the CRDs are read from the Argo CD
// Go module in the module cache. Start one Env per test package, in TestMain:
//
//	var env *testenv.Env
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &env)) }
package testenv
