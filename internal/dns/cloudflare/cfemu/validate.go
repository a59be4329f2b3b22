package cfemu

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// finish validates and normalises a draft against the zone (excluding the
// record being replaced, old) and stamps it; nothing is stored.
func (z *zoneData) finish(d draft, old *Record, now time.Time) (Record, error) {
	rec := d.Record
	p := plans[z.Plan]
	if !slices.Contains(supportedTypes, rec.Type) {
		return rec, errInvalid(fmt.Sprintf("Unsupported DNS record type %q; the emulator supports %s.", rec.Type, strings.Join(supportedTypes, ", ")))
	}
	name, err := recordName(z.Name, rec.Name)
	if err != nil {
		return rec, err
	}
	rec.Name = name
	if rec.Content, err = recordContent(rec.Type, rec.Name, rec.Content); err != nil {
		return rec, err
	}
	if rec.Type == "MX" {
		if !d.hasPriority {
			return rec, errInvalid("Priority is required for MX records.")
		}
	} else {
		rec.Priority = 0
	}
	if rec.TTL != 1 && (rec.TTL < p.minTTL || rec.TTL > 86400) {
		return rec, errTTL(p.minTTL)
	}
	if rec.Proxied {
		switch {
		case rec.Type != "A" && rec.Type != "AAAA" && rec.Type != "CNAME":
			return rec, errTypeNotProxiable()
		case !proxiable(rec):
			return rec, errAddressNotProxiable()
		}
		rec.TTL = 1 // proxied records always have automatic TTL
	}
	if utf8.RuneCountInString(rec.Comment) > p.commentMax {
		return rec, errCommentTooLong(p.commentMax)
	}
	if strings.ContainsAny(rec.Comment, "\r\n") {
		return rec, errInvalid("DNS record comments cannot contain newline or carriage return characters.")
	}
	for _, tag := range rec.Tags {
		if err := checkTag(tag); err != nil {
			return rec, err
		}
	}
	if err := z.conflicts(rec); err != nil {
		return rec, err
	}

	rec.ModifiedOn = now
	if old == nil {
		rec.CreatedOn = now
	}
	var oldComment string
	var oldTags []string
	if old != nil {
		oldComment, oldTags = old.Comment, old.Tags
	}
	switch {
	case rec.Comment == "":
		rec.CommentModifiedOn = time.Time{}
	case rec.Comment != oldComment:
		rec.CommentModifiedOn = now
	}
	switch {
	case len(rec.Tags) == 0:
		rec.Tags, rec.TagsModifiedOn = nil, time.Time{}
	case !slices.Equal(rec.Tags, oldTags):
		rec.TagsModifiedOn = now
	}
	return rec, nil
}

// conflicts applies Cloudflare's same-name rules (developers.cloudflare.com/
// dns/manage-dns-records/troubleshooting/records-with-same-name): a CNAME
// cannot share its name with an A, AAAA or CNAME record, nor an A or AAAA
// with a CNAME; and no two records may have the same type, name and
// content. Other types may share a name with a CNAME.
func (z *zoneData) conflicts(rec Record) error {
	for _, o := range z.records {
		if o.ID == rec.ID || o.Name != rec.Name {
			continue
		}
		if o.Type == rec.Type && strings.EqualFold(o.Content, rec.Content) {
			return errIdentical()
		}
	}
	for _, o := range z.records {
		if o.ID == rec.ID || o.Name != rec.Name {
			continue
		}
		switch {
		case rec.Type == "CNAME" && (o.Type == "A" || o.Type == "AAAA" || o.Type == "CNAME"):
			return errCNAMEOnExisting()
		case (rec.Type == "A" || rec.Type == "AAAA") && o.Type == "CNAME":
			return errExistingCNAME()
		}
	}
	return nil
}

// recordName makes a record name absolute in the zone: "@" and "" are the
// apex; a name that does not end in the zone is relative to it, which is
// what Cloudflare does with it (a script writing "mail.other.tld" into zone
// "example.com" got "mail.other.tld.example.com", NewFuture/DDNS#21).
// Unicode is stored as punycode, as the API documentation says.
func recordName(zone, name string) (string, error) {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	switch {
	case name == "" || name == "@":
		return zone, nil
	case name != zone && !strings.HasSuffix(name, "."+zone):
		name += "." + zone
	}
	name, err := toASCII(name)
	if err != nil {
		return "", errInvalid("DNS record name is invalid: " + err.Error())
	}
	if err := checkHostname(name, true); err != nil {
		return "", errInvalid("DNS record name is invalid: " + err.Error())
	}
	return name, nil
}

// checkHostname checks labels of letters, digits, hyphens and underscores
// (converting Unicode labels to punycode is done by toASCII); wildcard
// allows "*" as the first label.
func checkHostname(name string, wildcard bool) error {
	if len(name) > 253 {
		return fmt.Errorf("longer than 253 characters")
	}
	for i, l := range strings.Split(name, ".") {
		if l == "*" && i == 0 && wildcard {
			continue
		}
		if l == "" || len(l) > 63 {
			return fmt.Errorf("label %q must have 1 to 63 characters", l)
		}
		for _, c := range l {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("label %q holds %q", l, c)
			}
		}
	}
	return nil
}

// toASCII converts Unicode labels to punycode and leaves ASCII alone (the
// idna profiles would refuse the underscores and wildcards DNS names hold).
func toASCII(name string) (string, error) {
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if !isASCII(l) {
			a, err := idna.Lookup.ToASCII(l)
			if err != nil {
				return "", err
			}
			labels[i] = a
		}
	}
	return strings.Join(labels, "."), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// recordContent checks and canonicalises content per type.
func recordContent(typ, name, content string) (string, error) {
	content = strings.TrimSpace(content)
	switch typ {
	case "A":
		a, err := netip.ParseAddr(content)
		if err != nil || !a.Is4() {
			return "", errBadIPv4()
		}
		return a.String(), nil
	case "AAAA":
		a, err := netip.ParseAddr(content)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", errBadIPv6()
		}
		return a.String(), nil
	case "CNAME", "MX":
		host, err := toASCII(strings.TrimSuffix(strings.ToLower(content), "."))
		_, ipErr := netip.ParseAddr(host)
		if err != nil || host == "" || ipErr == nil || checkHostname(host, false) != nil || typ == "CNAME" && host == name {
			// The message is Cloudflare's for CNAME (quoted in
			// stephenou/fruitionsite#79); the MX one follows it.
			return "", errInvalid(fmt.Sprintf("Content for %s record is invalid.", typ))
		}
		return host, nil
	default: // TXT
		if content == "" {
			return "", errInvalid("Content for TXT record is invalid.")
		}
		txt, err := canonicalTXT(content)
		if err != nil {
			// Code and message not verified: the docs say only "a
			// validation error" (see txt.go).
			return "", errInvalid("Content for TXT record is invalid: " + err.Error() + ".")
		}
		return txt, nil
	}
}

// proxiable reports whether Cloudflare can proxy the record: only A, AAAA
// and CNAME, and not addresses that are not reachable on the Internet
// (a record for 127.0.0.8 is reported with "proxiable": false in
// real answers, and 0.1.4.7 was refused as proxied with 9041).
func proxiable(rec Record) bool {
	switch rec.Type {
	case "CNAME":
		return true
	case "A", "AAAA":
		a, err := netip.ParseAddr(rec.Content)
		if err != nil {
			return false
		}
		a = a.Unmap()
		return !(a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
			a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() ||
			a.Is4() && (a.As4()[0] == 0 || a.As4()[0] >= 240))
	}
	return false
}

// checkTag applies the documented tag format: "name:value", the name of
// letters, digits, "-" and "_" (record-attributes docs).
func checkTag(tag string) error {
	name, _, ok := strings.Cut(tag, ":")
	if !ok || name == "" {
		return errInvalid(fmt.Sprintf("Tag %q must have the form name:value.", tag))
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return errInvalid(fmt.Sprintf("Tag name %q may only hold letters, digits, - and _.", name))
		}
	}
	return nil
}
