package cfemu

import (
	"errors"
	"fmt"
	"strings"
)

// TXT content, as Cloudflare documents and stores it.
//
// The API schema (the TXTRecord content field, as in cloudflare-go v6
// dns/record.go) says: "The content must consist of quoted "character
// strings" (RFC 1035), each with a length of up to 255 bytes. Strings
// exceeding this allowed maximum length are automatically split." The DNS
// docs (developers.cloudflare.com/dns/manage-dns-records/reference/
// dns-record-types/#txt) add that inconsistent quotation marks ("this, or
// "these" ones") give a validation error, and that "for new records, if you
// save your TXT content without any quotes, Cloudflare will automatically
// add double quotes".
//
// That last sentence holds for the dashboard only: content created through
// the API without quotes is stored and returned as sent (go-acme/lego#2521;
// the audit log in caddy-dns/cloudflare#89 shows an unquoted ACME token
// stored by the API), and the dashboard then warns that it lacks quotes. So
// the emulator keeps unquoted content as it is, checks quoted content, and
// splits a quoted string longer than 255 bytes in the stored content, as
// Cloudflare returns it (cloudflare/terraform-provider-cloudflare#6238,
// libdns/cloudflare#33).

// maxTXTString is the longest character-string DNS can carry (RFC 1035
// section 3.3).
const maxTXTString = 255

// txtStrings returns the character-strings a TXT record's content stands
// for: the unquoted strings of quoted content ("a" "b"), or the raw content
// cut into 255-byte pieces, which is how Cloudflare serves a long unquoted
// value (DNSControl/dnscontrol#1543). No string is longer than 255 bytes.
func txtStrings(content string) ([]string, error) {
	if !strings.HasPrefix(content, `"`) {
		return chunk(content), nil
	}
	quoted, err := parseQuoted(content)
	if err != nil {
		return nil, err
	}
	return chunkAll(quoted), nil
}

// canonicalTXT checks TXT content and returns it as Cloudflare stores it:
// unchanged, unless a quoted string is over 255 bytes, which is split.
func canonicalTXT(content string) (string, error) {
	if !strings.HasPrefix(content, `"`) {
		return content, nil
	}
	quoted, err := parseQuoted(content)
	if err != nil {
		return "", err
	}
	strs := chunkAll(quoted)
	if len(strs) == len(quoted) {
		return content, nil // nothing was split: keep the user's spelling
	}
	parts := make([]string, len(strs))
	for i, s := range strs {
		parts[i] = quoteTXT(s)
	}
	return strings.Join(parts, " "), nil
}

// chunk cuts s into pieces of at most 255 bytes; "" is one empty string.
func chunk(s string) []string {
	out := []string{}
	for len(s) > maxTXTString {
		out = append(out, s[:maxTXTString])
		s = s[maxTXTString:]
	}
	return append(out, s)
}

func chunkAll(strs []string) []string {
	var out []string
	for _, s := range strs {
		out = append(out, chunk(s)...)
	}
	return out
}

var errBadQuotes = errors.New("TXT content has inconsistent quotation marks")

// parseQuoted reads one or more RFC 1035 quoted strings separated by white
// space, with the zone-file escapes \" \\ and \DDD.
func parseQuoted(content string) ([]string, error) {
	var out []string
	rest := content
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return out, nil
		}
		if rest[0] != '"' {
			return nil, errBadQuotes
		}
		s, n, err := readQuoted(rest)
		if err != nil {
			return nil, err
		}
		rest = rest[n:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return nil, errBadQuotes // "these" ones" or "a""b"
		}
		out = append(out, s)
	}
}

// readQuoted reads the quoted string at the start of s and returns its
// value and the number of bytes it took, quotes included.
func readQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, errBadQuotes
			}
			if isDigits(s[i+1:], 3) {
				v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
				if v > 255 {
					return "", 0, fmt.Errorf("TXT escape \\%s is not a byte", s[i+1:i+4])
				}
				b.WriteByte(byte(v))
				i += 3
				continue
			}
			b.WriteByte(s[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errBadQuotes // no closing quote
}

func isDigits(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for i := range n {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quoteTXT writes s as a quoted string of the zone-file syntax.
func quoteTXT(s string) string {
	return `"` + escapeTXT(s) + `"`
}

// escapeTXT escapes a character-string for the zone-file syntax, which is
// also the form miekg/dns keeps TXT strings in.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
