package vals_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/secrets/vals"
)

// Build the vals-secret for token auth and the reference of a value in Vault.
func Example() {
	s, err := vals.BuildSecret(argocdmanaged.DefaultProfile(), vals.SecretOptions{
		Addr:  "https://vault.example.com:8200",
		Token: vals.Value{Data: []byte("hvs.example"), Source: "--token-file token"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Namespace+"/"+s.Name, vals.DataKeys(s))

	ref, _ := vals.Ref("secret/data/shop", "password")
	fmt.Println(ref)

	refs, _ := vals.FindReferences([]byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  source:
    helm:
      fileParameters:
        - {name: password, path: "` + ref + `"}
`))
	fmt.Println(refs[0].Path, refs[0].Key, refs[0].Location)
	// Output:
	// argocd-system/vals-secret [VAULT_ADDR VAULT_AUTH_METHOD VAULT_TOKEN]
	// secrets+literal://vals!ref+vault://secret/data/shop#/password
	// secret/data/shop password Application shop: spec.source.helm.fileParameters[0].path
}
