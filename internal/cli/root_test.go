package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// runArgs runs the command tree in-process with exactly these arguments.
func runArgs(args ...string) cmdResult {
	return execute(context.Background(), "", args...)
}

func TestUnknownSubcommandsExit2WithOneLineAndASuggestion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"polcy"}, `unknown command "polcy" for "kubectl ck8sargo"; did you mean "policy"?; see 'kubectl ck8sargo --help'`},
		{[]string{"policy", "chek", "."}, `unknown command "chek" for "kubectl ck8sargo policy"; did you mean "check"?; see 'kubectl ck8sargo policy --help'`},
		{[]string{"secrets", "bogus"}, `unknown command "bogus" for "kubectl ck8sargo secrets"; see 'kubectl ck8sargo secrets --help'`},
		{[]string{"notify", "service", "ad"}, `unknown command "ad" for "kubectl ck8sargo notify service"; did you mean "add"?; see 'kubectl ck8sargo notify service --help'`},
		{[]string{"completion", "bogus"}, `unknown command "bogus" for "kubectl ck8sargo completion"; see 'kubectl ck8sargo completion --help'`},
		{[]string{"backup", "--request-timeout", "5s", "lst"}, `unknown command "lst" for "kubectl ck8sargo backup"; did you mean "list"?; see 'kubectl ck8sargo backup --help'`},
	}
	for _, tt := range tests {
		t.Run(tt.args[len(tt.args)-1], func(t *testing.T) {
			r := runArgs(tt.args...)
			assert.Equal(t, ExitError, r.code)
			assert.Equal(t, tt.want, r.msg)
			assert.Empty(t, r.stdout, "no help on a typo")
			assert.Empty(t, r.stderr)
		})
	}
}

func TestCommandGroupsWithoutArgumentsPrintTheirHelpAndExit0(t *testing.T) {
	for _, args := range [][]string{{}, {"policy"}, {"secrets"}, {"notify", "service"}, {"backup"}} {
		r := runArgs(args...)
		assert.Equal(t, ExitOK, r.code, "%v", args)
		assert.Contains(t, r.stdout, "Available Commands:", "%v", args)
	}
}
