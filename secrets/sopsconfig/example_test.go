package sopsconfig_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/secrets/sopsconfig"
)

// Add a colleague's age key to an existing rule, keeping the file's comments.
func ExampleInitConfig() {
	existing := []byte(`# keys of the shop team
creation_rules:
  - path_regex: secrets\.yaml$
    pgp: 3F2A6F1E0C3B9D2E7A1B4C5D6E7F8091A2B3C4D5 # alice
`)
	key, _ := sopsconfig.ParsePublicKey([]byte("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"))
	out, res, err := sopsconfig.InitConfig(existing, sopsconfig.InitOptions{Key: key, PathRegex: `secrets\.yaml$`})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.KeyAdded, res.NewRule)
	fmt.Print(string(out))
	// Output:
	// true false
	// # keys of the shop team
	// creation_rules:
	//   - path_regex: secrets\.yaml$
	//     pgp: 3F2A6F1E0C3B9D2E7A1B4C5D6E7F8091A2B3C4D5 # alice
	//     age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
}
