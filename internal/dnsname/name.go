package dnsname

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// idnaProfile converts internationalised names to punycode the way
// resolvers look them up, without accepting what a hostname may not hold.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule())

// NormalizeName turns a user's fully qualified domain name into the form
// Docker Watcher stores and compares: punycode, lower case, no trailing dot.
// It requires at least two labels of letters, digits and inner hyphens, and a
// top-level label that is not all digits, so an IP address is not a name.
func NormalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "", errors.New("is empty")
	}
	ascii := strings.ToLower(name)
	if !isASCII(name) {
		var err error
		if ascii, err = idnaProfile.ToASCII(name); err != nil {
			return "", errors.New("is not a valid internationalised domain name")
		}
	}
	if len(ascii) > 253 {
		return "", errors.New("is longer than 253 characters")
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", errors.New("needs at least two labels, like example.com")
	}
	for _, l := range labels {
		if err := checkLabel(l, false); err != nil {
			return "", err
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", errors.New("has an all-numeric top-level label")
	}
	return ascii, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// CheckHostname accepts what a proxy may forward to: an IP address is
// checked by the caller; this accepts host names with one or more labels,
// including Docker's container names, which may hold underscores.
func CheckHostname(host string) error {
	if host == "" {
		return errors.New("is empty")
	}
	if len(host) > 253 {
		return errors.New("is longer than 253 characters")
	}
	for _, l := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if err := checkLabel(strings.ToLower(l), true); err != nil {
			return err
		}
	}
	return nil
}

// CheckLabel reports whether s is a lower-case DNS label (a-z, 0-9, inner
// hyphens, at most 63 characters), as used for app names and subdomains.
func CheckLabel(s string) error { return checkLabel(s, false) }

func checkLabel(l string, underscore bool) error {
	switch {
	case l == "":
		return errors.New("has an empty label")
	case len(l) > 63:
		return fmt.Errorf("has a label longer than 63 characters (%q)", l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Errorf("has a label that starts or ends with a hyphen (%q)", l)
	}
	for _, c := range l {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || underscore && c == '_'
		if !ok {
			return fmt.Errorf("has a character that is not allowed: %q (use a-z, 0-9 and -)", c)
		}
	}
	return checkACE(l)
}

// checkACE refuses an "xn--" label that is not the punycode of a valid
// internationalised label: resolvers and providers refuse such a name, so it
// would fail far from where it was entered. The label must decode, and the
// decoded label must encode back to the same text, so every name has one
// stored form.
func checkACE(l string) error {
	if !strings.HasPrefix(l, "xn--") {
		return nil
	}
	u, err := idnaProfile.ToUnicode(l)
	if err == nil {
		var back string
		if back, err = idnaProfile.ToASCII(u); err == nil && back != l {
			err = errors.New("not canonical")
		}
	}
	if err != nil {
		return fmt.Errorf("has a label %q that is not valid punycode (an internationalised label starts with xn--)", l)
	}
	return nil
}

// InZone reports whether the normalised name lies in the normalised zone:
// the zone apex itself or any name below it.
func InZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// Label makes a DNS label of any text: lower case, every run of other
// characters than a-z and 0-9 one "-", no "-" at either end, at most max
// characters (63 at most); "" when nothing is left.
func Label(s string, max int) string {
	max = min(max, 63)
	b := make([]byte, 0, len(s))
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			b, dash = append(b, byte(c)), false
		default:
			dash = true
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return strings.TrimRight(string(b), "-")
}

// UniqueLabel is Label(s, 63), or with the lowest suffix "-2", "-3", ...
// (shortening the label to fit) that taken does not report.
func UniqueLabel(s string, taken func(string) bool) string {
	base := Label(s, 63)
	if base == "" {
		base = "x"
	}
	if !taken(base) {
		return base
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		l := strings.TrimRight(Label(base, 63-len(suffix)), "-") + suffix
		if !taken(l) {
			return l
		}
	}
}
