package reconcile

import "errors"

var errShortResults = errors.New("the provider answered fewer results than changes")
