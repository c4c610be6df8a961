package notify

import (
	"errors"
	"strings"
)

// OptionError is a problem with the options of a service or a subscription. Its message
// names the options by their fields (Host, Password, Trigger), so that a front end can name
// them its own way: a command line names its flags with Render.
type OptionError struct {
	// Options are the options the message names, in the order it names them.
	Options []string
	// text is the message around the options: text[i] stands before Options[i], and the
	// last element after the last option.
	text []string
}

// Error is the message with the options named by their fields.
func (e *OptionError) Error() string {
	return e.Render(func(option string) string { return option })
}

// Render is the message with each option named by name(option).
func (e *OptionError) Render(name func(option string) string) string {
	var b strings.Builder
	for i, t := range e.text {
		b.WriteString(t)
		if i < len(e.Options) {
			b.WriteString(name(e.Options[i]))
		}
	}
	return b.String()
}

// option marks an option's name among the parts of optionError.
type option string

// optionError builds an OptionError from text (string) and option names (option).
func optionError(parts ...any) *OptionError {
	e := &OptionError{text: []string{""}}
	for _, p := range parts {
		switch p := p.(type) {
		case option:
			e.Options = append(e.Options, string(p))
			e.text = append(e.text, "")
		case string:
			e.text[len(e.text)-1] += p
		}
	}
	return e
}

// Sentinels that the errors of AddService and RemoveService match (errors.Is), so that a
// caller can say what to do about them.
var (
	// ErrExists: what would be added exists already; AddService replaces it with force.
	ErrExists = errors.New("exists already")
	// ErrNameTaken: another service has the name the new one would have.
	ErrNameTaken = errors.New("service name taken")
	// ErrNoService: no service has the name or key given.
	ErrNoService = errors.New("no such service")
)

// markedError is a message that matches one of the sentinels above.
type markedError struct {
	msg  string
	mark error
}

func (e *markedError) Error() string        { return e.msg }
func (e *markedError) Is(target error) bool { return target == e.mark }

// SubscriptionProblem says why CheckSubscription refuses a subscription.
type SubscriptionProblem int

// The reasons CheckSubscription refuses a subscription.
const (
	// UndefinedService: the ConfigMap has no service of that name.
	UndefinedService SubscriptionProblem = iota + 1
	// UndefinedTrigger: the ConfigMap has no trigger of that name.
	UndefinedTrigger
	// NoDefaultTriggers: without a trigger the subscription uses default triggers, and
	// there are none for the service.
	NoDefaultTriggers
	// NoRecipient: the service needs a recipient and none is given.
	NoRecipient
	// BadRecipient: the service cannot deliver to a recipient.
	BadRecipient
)

// SubscriptionError is a subscription that lint would reject against a configuration.
type SubscriptionError struct {
	Problem      SubscriptionProblem
	Subscription Subscription
	// Err says what is wrong; an *OptionError where it names a field of Subscription.
	Err error
}

func (e *SubscriptionError) Error() string { return e.Err.Error() }

// Unwrap is Err.
func (e *SubscriptionError) Unwrap() error { return e.Err }
