package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ck8sargo/ck8sargo/notify"
)

// flagMessage is err's message with the options that its notify.OptionErrors name spelled
// by flag(option): the library names the fields of its options, the command its flags.
// The parts of a joined error are rendered one by one, one a line.
func flagMessage(err error, flag func(option string) string) string {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var parts []string
		for _, e := range joined.Unwrap() {
			parts = append(parts, flagMessage(e, flag))
		}
		return strings.Join(parts, "\n")
	}
	msg := err.Error()
	var oe *notify.OptionError
	if errors.As(err, &oe) {
		msg = strings.Replace(msg, oe.Error(), oe.Render(flag), 1)
	}
	return msg
}

// addServiceHint says how to get past what AddService refuses.
func addServiceHint(err error) error {
	switch {
	case errors.Is(err, notify.ErrExists):
		return fmt.Errorf("%w; pass --force to replace it", err)
	case errors.Is(err, notify.ErrNameTaken):
		return fmt.Errorf("%w; remove it first or pick another --name", err)
	}
	return err
}

// removeServiceHint says where to see the services that RemoveService could have removed.
func removeServiceHint(err error) error {
	if errors.Is(err, notify.ErrNoService) {
		return fmt.Errorf("%w; see `kubectl ck8sargo notify service list`", err)
	}
	return err
}

// subscriptionFlags are the flags that set the fields of a notify.Subscription.
var subscriptionFlags = optionFlags{"Trigger": "--trigger", "Service": "--service", "Recipients": "--recipient"}

// subscriptionHint is the usage error of a subscription CheckSubscription refuses: the
// flags it names, what to do about it, and that --force subscribes anyway.
func subscriptionHint(err error) error {
	var se *notify.SubscriptionError
	if !errors.As(err, &se) {
		return UsageErrorf("%w", err)
	}
	msg := flagMessage(err, subscriptionFlags.flag)
	var hint string
	switch se.Problem {
	case notify.UndefinedService:
		hint = "; add it with `notify service add`, or pass --force"
	case notify.UndefinedTrigger:
		hint = fmt.Sprintf("; install it with `notify catalog --install --only %s`, or pass --force", se.Subscription.Trigger)
	case notify.NoDefaultTriggers:
		hint = "; name the trigger, or pass --force"
	case notify.NoRecipient:
		hint = ", or pass --force"
	default:
		hint = "; pass --force to subscribe anyway"
	}
	return UsageErrorf("%w", &rewordedError{msg: msg + hint, err: err})
}
