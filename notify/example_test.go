package notify_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// Lint a configuration that sends a template nobody wrote.
func ExampleLint() {
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	cfg.Data["trigger.on-sync-failed"] = `- when: app.status?.operationState?.phase in ['Failed']
  send: [app-sync-failed]
`
	rep := notify.Lint(cfg, notify.LintOptions{})
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.Rule)
	}
	// Output:
	// error notify-trigger-template
}

// Add an email service: the ConfigMap gets references, the Secret the credentials.
func ExampleEmailService() {
	spec, err := notify.EmailService(notify.EmailOptions{
		Host: "smtp.gmail.com", Port: 465, Username: "sender@example.com", Password: []byte("app-password"),
	})
	if err != nil {
		panic(err)
	}
	cfg := notify.NewConfig(argocdmanaged.DefaultProfile())
	if err := cfg.AddService(spec, false); err != nil {
		panic(err)
	}
	fmt.Print(cfg.Data["service.email"])
	fmt.Println(len(cfg.SecretData["email-password"]), "bytes in Secret key email-password")
	// Output:
	// from: $email-username
	// host: smtp.gmail.com
	// password: $email-password
	// port: 465
	// username: $email-username
	// 12 bytes in Secret key email-password
}
