package main

import (
	netmail "net/mail"
	"strings"
)

// mailDomain is the domain of DEFAULT_FROM_EMAIL ("PA <noreply@example.com>"
// → "example.com"), the right-hand side of the Message-IDs of job emails;
// empty when the address does not parse (jobs then uses its default).
func mailDomain(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, domain, ok := strings.Cut(a.Address, "@")
	if !ok {
		return ""
	}
	return domain
}
